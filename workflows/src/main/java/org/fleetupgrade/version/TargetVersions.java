package org.fleetupgrade.version;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The three versions an upgrade installs, as kept in k8s_deploy.conf and epoxy-images config.sh.
 *
 * @param toolDowngradeAllowed whether the CNI plugins and crictl may be installed over a newer
 *     release a host has ({@code start --allow-downgrade}); by default a host's scripts refuse
 */
public record TargetVersions(ReleaseVersion kubernetes, ReleaseVersion cni, ReleaseVersion crictl,
    boolean toolDowngradeAllowed) {

  public TargetVersions {
    Objects.requireNonNull(kubernetes, "kubernetes");
    Objects.requireNonNull(cni, "cni");
    Objects.requireNonNull(crictl, "crictl");
  }

  public TargetVersions(ReleaseVersion kubernetes, ReleaseVersion cni, ReleaseVersion crictl) {
    this(kubernetes, cni, crictl, false);
  }

  /** The same versions, installed even over newer CNI plugins or crictl on a host. */
  public TargetVersions allowingToolDowngrade() {
    return new TargetVersions(kubernetes, cni, crictl, true);
  }

  /** Parses all three, naming the one that is wrong; pre-releases are allowed but flagged by {@link #warnings()}. */
  public static TargetVersions parse(String kubernetes, String cni, String crictl) {
    return new TargetVersions(
        named("kubernetes", kubernetes), named("cni", cni), named("crictl", crictl));
  }

  private static ReleaseVersion named(String what, String text) {
    try {
      return ReleaseVersion.parse(text);
    } catch (InvalidVersionException e) {
      throw new InvalidVersionException(what + " version: " + e.getMessage());
    }
  }

  /** Things an operator should see before starting, none of which blocks the upgrade by itself. */
  public List<String> warnings() {
    List<String> warnings = new ArrayList<>();
    if (kubernetes.isPreRelease()) {
      warnings.add("kubernetes " + kubernetes + " is a pre-release");
    }
    if (cni.isPreRelease()) {
      warnings.add("cni " + cni + " is a pre-release");
    }
    if (crictl.isPreRelease()) {
      warnings.add("crictl " + crictl + " is a pre-release");
    }
    if (!crictl.sameMinorAs(kubernetes)) {
      warnings.add("crictl " + crictl + " is not on kubernetes' minor " + kubernetes.minorLine()
          + " (cri-tools releases track Kubernetes minors)");
    }
    return warnings;
  }

  @Override
  public String toString() {
    return "kubernetes " + kubernetes + ", cni " + cni + ", crictl " + crictl
        + (toolDowngradeAllowed ? " (downgrades of cni and crictl allowed)" : "");
  }
}
