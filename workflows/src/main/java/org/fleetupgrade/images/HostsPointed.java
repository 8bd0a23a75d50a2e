package org.fleetupgrade.images;

import java.util.List;
import org.fleetupgrade.status.Text;

/**
 * Hosts pointed at a release's images (ePoxy's {@code Host.ImagesVersion}). Counts for all, names
 * only for a bounded few: a fleet has hundreds of hosts, and results live in the history.
 *
 * @param changedSample at most {@link #SAMPLE} of the hosts changed
 */
public record HostsPointed(String stage, String imagesVersion, int changed, int unchanged, int leftOut,
    List<String> changedSample) {

  public static final int SAMPLE = 20;

  public HostsPointed {
    changedSample = List.copyOf(changedSample);
  }

  public String summary() {
    return Text.count(changed, "host") + " set to " + imagesVersion + ", " + unchanged + " already there, " + leftOut + " left out";
  }
}
