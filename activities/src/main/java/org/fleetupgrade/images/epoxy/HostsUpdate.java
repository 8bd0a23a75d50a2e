package org.fleetupgrade.images.epoxy;

import java.util.List;

/**
 * What {@link EpoxyHosts#apply} did: the FQDNs of the hosts whose ImagesVersion it wrote, of the
 * matching hosts already at the target (not written), and of the hosts left out (not matching the
 * pattern, or deleted between the listing and their update). Each list is sorted.
 */
public record HostsUpdate(List<String> changed, List<String> unchanged, List<String> leftOut) {

  public HostsUpdate {
    changed = List.copyOf(changed);
    unchanged = List.copyOf(unchanged);
    leftOut = List.copyOf(leftOut);
  }
}
