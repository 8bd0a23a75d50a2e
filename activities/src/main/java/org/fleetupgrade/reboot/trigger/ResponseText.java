package org.fleetupgrade.reboot.trigger;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * A response body made fit for a failure message and history: at most {@value #MAX_BYTES} bytes
 * read, control and invisible characters (escape sequences, NULs, bidi overrides) stripped,
 * whitespace collapsed to single spaces, cut to {@value #MAX_CHARS} characters.
 */
final class ResponseText {

  static final int MAX_BYTES = 4096;
  static final int MAX_CHARS = 300;

  private ResponseText() {}

  static String read(InputStream body) throws IOException {
    try (body) {
      return clean(new String(body.readNBytes(MAX_BYTES), StandardCharsets.UTF_8));
    }
  }

  static String clean(String text) {
    StringBuilder out = new StringBuilder();
    text.codePoints().forEach(c -> {
      if (Character.isWhitespace(c)) {
        if (out.length() > 0 && out.charAt(out.length() - 1) != ' ') {
          out.append(' ');
        }
      } else if (visible(c)) {
        out.appendCodePoint(c);
      }
    });
    String cleaned = out.toString().strip();
    if (cleaned.length() <= MAX_CHARS) {
      return cleaned;
    }
    int end = Character.isHighSurrogate(cleaned.charAt(MAX_CHARS - 1)) ? MAX_CHARS - 1 : MAX_CHARS;
    return cleaned.substring(0, end) + "...";
  }

  private static boolean visible(int c) {
    int type = Character.getType(c);
    return type != Character.CONTROL && type != Character.FORMAT && type != Character.UNASSIGNED
        && type != Character.PRIVATE_USE && type != Character.SURROGATE && c != 0xFFFD;
  }
}
