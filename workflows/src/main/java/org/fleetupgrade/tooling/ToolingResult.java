package org.fleetupgrade.tooling;

import java.util.List;

/** Which virtual nodes got new kubeadm/kubelet/kubectl/CNI/crictl, and which were already there. */
public record ToolingResult(List<String> upgraded, List<String> alreadyAtTarget) {

  public ToolingResult {
    upgraded = List.copyOf(upgraded);
    alreadyAtTarget = List.copyOf(alreadyAtTarget);
  }
}
