package org.fleetupgrade.controlplane.script;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.regex.Pattern;

/**
 * Validation for every value that goes into a script run as root on a control-plane host, and the
 * quoting that keeps it a value. Validation comes first: a value that fails is rejected before any
 * script exists; quoting is the second wall.
 */
public final class ShellValues {

  private static final Pattern DNS_1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern DNS_NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
  private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
  private static final Pattern SAFE_URL = Pattern.compile("https?://[A-Za-z0-9.-]+(:\\d{1,5})?(/[A-Za-z0-9._~/-]*)?");
  private static final Pattern SAFE_PATH = Pattern.compile("/[A-Za-z0-9._/-]{1,255}");
  private static final Pattern GCS_URL = Pattern.compile("gs://[a-z0-9][a-z0-9._-]{1,220}[a-z0-9](/[A-Za-z0-9._/-]{1,512})?");

  private ShellValues() {}

  /** 'value' for the shell: nothing inside single quotes is interpreted; a quote is closed, escaped, reopened. */
  public static String quote(String value) {
    return "'" + value.replace("'", "'\\''") + "'";
  }

  static String dnsLabel(String what, String value) {
    if (value == null || !DNS_1123_LABEL.matcher(value).matches()) {
      throw new IllegalArgumentException(what + " '" + value + "' is not a DNS-1123 label (lower-case letters, digits, '-')");
    }
    return value;
  }

  static String dnsName(String what, String value) {
    if (value == null || !DNS_NAME.matcher(value).matches() || value.contains("..")) {
      throw new IllegalArgumentException(what + " '" + value + "' is not a DNS name");
    }
    return value;
  }

  static String ipv4(String what, String value) {
    if (value == null || !IPV4.matcher(value).matches()) {
      throw new IllegalArgumentException(what + " '" + value + "' is not an IPv4 address");
    }
    for (String octet : value.split("\\.")) {
      if (Integer.parseInt(octet) > 255 || (octet.length() > 1 && octet.startsWith("0"))) {
        throw new IllegalArgumentException(what + " '" + value + "' is not an IPv4 address");
      }
    }
    return value;
  }

  public static String cidr(String what, String value) {
    int slash = value == null ? -1 : value.indexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException(what + " '" + value + "' is not a CIDR (e.g. 192.168.0.0/16)");
    }
    ipv4(what, value.substring(0, slash));
    String bits = value.substring(slash + 1);
    if (!bits.matches("\\d{1,2}") || Integer.parseInt(bits) > 32) {
      throw new IllegalArgumentException(what + " '" + value + "' is not a CIDR (e.g. 192.168.0.0/16)");
    }
    return value;
  }

  /** http(s) URLs with a plain host and path: no quotes, spaces, query strings or shell characters. */
  static String url(String what, String value) {
    if (value == null || !SAFE_URL.matcher(value).matches()) {
      throw new IllegalArgumentException(what + " '" + value + "' is not a plain http(s) URL");
    }
    try {
      new URI(value);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(what + " '" + value + "' is not a URL: " + e.getReason());
    }
    return value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
  }

  public static String path(String what, String value) {
    if (value == null || !SAFE_PATH.matcher(value).matches() || value.contains("..")) {
      throw new IllegalArgumentException(what + " '" + value + "' is not a plain absolute path");
    }
    return value;
  }

  private static final Pattern COMMAND = Pattern.compile("[A-Za-z0-9_./][A-Za-z0-9_./=-]*( [A-Za-z0-9_./-][A-Za-z0-9_./=-]*)*");

  /**
   * A command with plain arguments, e.g. "gsutil cp" or "/usr/bin/gcloud storage cp": words of
   * letters, digits and . _ / = - only, so it can stand unquoted and split into its words.
   */
  public static String command(String what, String value) {
    if (value == null || !COMMAND.matcher(value).matches()) {
      throw new IllegalArgumentException(what + " '" + value + "' is not a plain command (words of letters, digits,"
          + " . _ / = -)");
    }
    return value;
  }

  static String gcsUrl(String what, String value) {
    if (value == null || !GCS_URL.matcher(value).matches() || value.contains("..")) {
      throw new IllegalArgumentException(what + " '" + value + "' is not a gs:// URL");
    }
    return value;
  }
}
