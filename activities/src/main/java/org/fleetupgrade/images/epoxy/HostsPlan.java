package org.fleetupgrade.images.epoxy;

import java.util.List;

/**
 * What {@link EpoxyHosts#apply} would do, read without writing: the FQDNs of the matching hosts whose
 * ImagesVersion differs from the target (or is missing), of the matching hosts already at it, and of
 * the hosts the pattern leaves out. Each list is sorted.
 */
public record HostsPlan(List<String> toChange, List<String> unchanged, List<String> leftOut) {

  public HostsPlan {
    toChange = List.copyOf(toChange);
    unchanged = List.copyOf(unchanged);
    leftOut = List.copyOf(leftOut);
  }
}
