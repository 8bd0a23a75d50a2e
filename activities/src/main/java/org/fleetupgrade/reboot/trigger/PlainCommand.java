package org.fleetupgrade.reboot.trigger;

/**
 * Checks what is sent to a node as an SSH exec request. sshd hands that string to the login shell,
 * so anything the shell would interpret (; | & $ ` > < quotes, globs, newlines...) could turn one
 * configured command into several: only a program and plain arguments pass, from an allow-list.
 */
final class PlainCommand {

  private PlainCommand() {}

  /** {@code command} with its words separated by single spaces; refuses anything else. */
  static String require(String what, String command) {
    if (command == null || command.isBlank()) {
      throw new IllegalArgumentException(what + " is empty: name a program and its arguments");
    }
    for (int i = 0; i < command.length(); i++) {
      char c = command.charAt(i);
      if (c != ' ' && !plain(c)) {
        throw new IllegalArgumentException(what + " '" + printable(command) + "' contains " + describe(c)
            + ": only a program and plain arguments are allowed (letters, digits, space and _ . / : = @ % + , -),"
            + " no shell syntax such as ; | & $ ` > < quotes, globs or newlines");
      }
    }
    String normalized = String.join(" ", command.strip().split(" +"));
    if (normalized.startsWith("-")) {
      throw new IllegalArgumentException(what + " '" + normalized + "' starts with an option, not a program");
    }
    return normalized;
  }

  /** An absolute, normalized path of plain characters (it becomes an argument of the command). */
  static String requirePath(String what, String path) {
    if (path == null || !path.startsWith("/") || path.length() < 2 || path.endsWith("/")) {
      throw new IllegalArgumentException(what + " '" + printable(String.valueOf(path)) + "' is not an absolute file path");
    }
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (!(Character.isLetterOrDigit(c) && c < 128) && "_.-/".indexOf(c) < 0) {
        throw new IllegalArgumentException(what + " '" + printable(path) + "' contains " + describe(c)
            + ": only letters, digits and _ . - / are allowed");
      }
    }
    for (String segment : path.substring(1).split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw new IllegalArgumentException(what + " '" + path + "' is not normalized (empty, . or .. segment)");
      }
    }
    return path;
  }

  private static boolean plain(char c) {
    return (c < 128 && Character.isLetterOrDigit(c)) || "_./:=@%+,-".indexOf(c) >= 0;
  }

  private static String describe(char c) {
    return switch (c) {
      case '\n' -> "a newline";
      case '\r' -> "a carriage return";
      case '\t' -> "a tab";
      default -> Character.isISOControl(c) || c >= 128 ? String.format("U+%04X", (int) c) : "'" + c + "'";
    };
  }

  /** The text with control characters shown as escapes, so an error message stays one readable line. */
  private static String printable(String text) {
    StringBuilder out = new StringBuilder();
    for (char c : text.toCharArray()) {
      out.append(Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
    }
    return out.toString();
  }
}
