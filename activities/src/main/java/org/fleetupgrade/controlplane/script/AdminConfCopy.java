package org.fleetupgrade.controlplane.script;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where the member that ran {@code kubeadm upgrade apply} keeps the cluster's refreshed admin.conf
 * (M-Lab: {@code gs://k8s-support-<project>/admin.conf}, read by the operators' tools), and the
 * object headers it is written with. Structured on purpose: the program that copies is fixed in
 * the script ({@code gsutil}), so no config value chooses what runs as root on the host.
 *
 * @param destination a gs:// URL
 * @param headers object metadata headers, e.g. Cache-Control; names from GCS's settable set
 */
public record AdminConfCopy(String destination, Map<String, String> headers) {

  private static final Pattern HEADER_NAME = Pattern.compile(
      "Cache-Control|Content-Type|Content-Disposition|Content-Encoding|Content-Language|x-goog-meta-[a-z0-9-]{1,64}");
  private static final Pattern HEADER_VALUE = Pattern.compile("[\\x20-\\x7e]{1,256}");

  public AdminConfCopy {
    ShellValues.gcsUrl("admin.conf destination", destination);
    headers = Map.copyOf(new LinkedHashMap<>(headers == null ? Map.of() : headers));
    headers.forEach((name, value) -> {
      if (!HEADER_NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("admin.conf header '" + name + "' is not one GCS lets an object carry"
            + " (Cache-Control, Content-Type, Content-Disposition, Content-Encoding, Content-Language, x-goog-meta-*)");
      }
      if (value == null || !HEADER_VALUE.matcher(value).matches()) {
        throw new IllegalArgumentException("admin.conf header " + name + " has a value that is not 1 to 256 printable"
            + " characters");
      }
    });
  }

  /** To {@code destination}, with no headers of its own. */
  public static AdminConfCopy to(String destination) {
    return new AdminConfCopy(destination, Map.of());
  }

  /** gsutil's -h arguments, sorted by name so the script is the same from run to run. */
  String gsutilHeaders() {
    StringBuilder args = new StringBuilder();
    headers.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(h -> args.append(args.isEmpty() ? "" : " ")
        .append(ShellValues.quote(h.getKey() + ":" + h.getValue())));
    return args.toString();
  }
}
