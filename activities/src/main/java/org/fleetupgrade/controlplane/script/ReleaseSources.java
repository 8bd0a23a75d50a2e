package org.fleetupgrade.controlplane.script;

/**
 * Where the binaries come from; defaults are the official release hosts. Each file is checked
 * against the SHA-256 published beside it ({@code <url>.sha256}) before it is installed.
 */
public record ReleaseSources(String kubernetes, String cniPlugins, String crictl) {

  public static final ReleaseSources OFFICIAL = new ReleaseSources(
      "https://dl.k8s.io/release",
      "https://github.com/containernetworking/plugins/releases/download",
      "https://github.com/kubernetes-sigs/cri-tools/releases/download");

  public ReleaseSources {
    kubernetes = ShellValues.url("kubernetes release URL", kubernetes);
    cniPlugins = ShellValues.url("CNI plugins release URL", cniPlugins);
    crictl = ShellValues.url("crictl release URL", crictl);
  }
}
