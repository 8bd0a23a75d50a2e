package org.fleetupgrade.worker.config;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeId;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Edits single values of a YAML file in place, so its comments and layout stay: a value is found by
 * its path ({@code versions.cni}, {@code stages[2].zones}) with SnakeYAML's node positions, and only
 * the characters of that value are replaced. A missing key is added on a line of its own after its
 * mapping's last one-line scalar entry, at that entry's indentation. What cannot be edited that way
 * (a multi-line value, a block list, an anchor, a missing mapping) is refused with the path.
 */
final class YamlEditor {

  private static final Pattern SEGMENT = Pattern.compile("([A-Za-z0-9_]+)((?:\\[\\d+\\])*)");
  private static final Pattern INDEX = Pattern.compile("\\[(\\d+)\\]");
  /** What may stand unquoted (when the resolver also reads it as a string). */
  private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/=:@+-]*");

  private record Edit(int start, int end, String text) {}

  private final String file;
  private final String text;
  private final Node root;
  private final String newline;
  private final List<Edit> edits = new ArrayList<>();

  YamlEditor(String file, String text) throws ConfigException {
    this.file = file;
    this.text = text;
    this.newline = text.contains("\r\n") ? "\r\n" : "\n";
    try {
      this.root = new Yaml(new LoaderOptions()).compose(new StringReader(text));
    } catch (RuntimeException e) {
      throw new ConfigException(List.of(file + ": not valid YAML: " + e.getMessage()));
    }
  }

  /** The node at {@code path}, or null when it (or a mapping on the way) is absent. */
  Node find(String path) {
    Node node = root;
    for (Object segment : segments(path)) {
      node = segment instanceof Integer i ? item(node, i) : value(node, (String) segment);
      if (node == null) {
        return null;
      }
    }
    return node;
  }

  /** Replaces the scalar at {@code path}, or adds it to its mapping when absent. */
  void setScalar(String path, String value) {
    Node node = find(path);
    if (node == null) {
      insert(path, value);
      return;
    }
    if (!(node instanceof ScalarNode scalar)) {
      throw refused(path, "is not a single value");
    }
    checkOneLine(path, node);
    String rendered = switch (scalar.getScalarStyle()) {
      case PLAIN -> plain(value) ? value : doubleQuoted(value);
      case DOUBLE_QUOTED -> doubleQuoted(value);
      case SINGLE_QUOTED -> "'" + value.replace("'", "''") + "'";
      default -> throw refused(path, "is a block scalar (| or >)");
    };
    replace(path, node, rendered);
  }

  /** Replaces the one-line flow list at {@code path} ({@code [a, b, c]}). */
  void setList(String path, List<String> values) {
    Node node = find(path);
    if (node == null) {
      throw refused(path, "is absent: add it by hand as [" + String.join(", ", values) + "]");
    }
    if (!(node instanceof SequenceNode seq) || seq.getFlowStyle() != DumperOptions.FlowStyle.FLOW) {
      throw refused(path, "is not a one-line list like [a, b, c]");
    }
    checkOneLine(path, node);
    List<String> items = new ArrayList<>();
    for (String v : values) {
      items.add(plain(v) ? v : doubleQuoted(v));
    }
    replace(path, node, "[" + String.join(", ", items) + "]");
  }

  /** The text with every edit made; the same text when there is none. */
  String apply() {
    StringBuilder out = new StringBuilder(text);
    List<Edit> ordered = new ArrayList<>(edits);
    // From the end, so earlier offsets stay valid; two inserts at one place keep their order.
    ordered.sort(Comparator.comparingInt(Edit::start).thenComparingInt(edits::indexOf).reversed());
    for (Edit e : ordered) {
      out.replace(e.start, e.end, e.text);
    }
    return out.toString();
  }

  private void replace(String path, Node node, String rendered) {
    if (node.getAnchor() != null) {
      throw refused(path, "has the anchor &" + node.getAnchor() + ": edit it by hand");
    }
    edits.add(new Edit(offset(node.getStartMark()), offset(node.getEndMark()), rendered));
  }

  private void insert(String path, String value) {
    int dot = path.lastIndexOf('.');
    if (dot < 0) {
      throw refused(path, "is absent at the top level: add it by hand");
    }
    String parentPath = path.substring(0, dot);
    String key = path.substring(dot + 1);
    Node parent = find(parentPath);
    if (!(parent instanceof MappingNode mapping)) {
      throw refused(path, "cannot be added: " + parentPath + " is " + (parent == null ? "absent" : "not a mapping")
          + ": add " + key + ": " + value + " by hand");
    }
    if (mapping.getFlowStyle() == DumperOptions.FlowStyle.FLOW) {
      throw refused(path, "cannot be added to the one-line mapping " + parentPath + ": add " + key + ": " + value
          + " by hand");
    }
    NodeTuple after = null;
    for (NodeTuple t : mapping.getValue()) {
      if (t.getKeyNode() instanceof ScalarNode && t.getValueNode() instanceof ScalarNode
          && t.getValueNode().getEndMark().getLine() == t.getKeyNode().getStartMark().getLine()) {
        after = t;
      }
    }
    if (after == null) {
      throw refused(path, "cannot be placed: " + parentPath + " has no one-line entry to add it after: add " + key
          + ": " + value + " by hand");
    }
    int lineEnd = text.indexOf('\n', offset(after.getValueNode().getEndMark()));
    String indent = " ".repeat(after.getKeyNode().getStartMark().getColumn());
    String line = indent + key + ": " + (plain(value) ? value : doubleQuoted(value));
    if (lineEnd < 0) {
      edits.add(new Edit(text.length(), text.length(), newline + line));
    } else {
      edits.add(new Edit(lineEnd + 1, lineEnd + 1, line + newline));
    }
  }

  private void checkOneLine(String path, Node node) {
    if (node.getStartMark().getLine() != node.getEndMark().getLine()) {
      throw refused(path, "spans several lines: edit it by hand");
    }
  }

  private IllegalArgumentException refused(String path, String why) {
    return new IllegalArgumentException(file + ": " + (path == null ? "" : path + ": ") + why);
  }

  /** SnakeYAML counts code points; the text is edited in chars. */
  private int offset(Mark mark) {
    return text.offsetByCodePoints(0, mark.getIndex());
  }

  private static Node value(Node node, String key) {
    if (!(node instanceof MappingNode mapping)) {
      return null;
    }
    for (NodeTuple t : mapping.getValue()) {
      if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key)) {
        return t.getValueNode();
      }
    }
    return null;
  }

  private static Node item(Node node, int index) {
    if (!(node instanceof SequenceNode seq) || index >= seq.getValue().size()) {
      return null;
    }
    return seq.getValue().get(index);
  }

  /** {@code stages[2].zones} as {@code stages, 2, zones}. */
  static List<Object> segments(String path) {
    List<Object> segments = new ArrayList<>();
    for (String part : path.split("\\.")) {
      Matcher m = SEGMENT.matcher(part);
      if (!m.matches()) {
        throw new IllegalArgumentException("not a config path: " + path);
      }
      segments.add(m.group(1));
      Matcher i = INDEX.matcher(m.group(2));
      while (i.find()) {
        segments.add(Integer.parseInt(i.group(1)));
      }
    }
    return segments;
  }

  /** Safe unquoted: plain characters that YAML also reads back as a string (not a number, bool or null). */
  static boolean plain(String value) {
    return PLAIN.matcher(value).matches()
        && new Resolver().resolve(NodeId.scalar, value, true).equals(Tag.STR)
        && !value.matches("(?i)y|n|yes|no|on|off|true|false|null");
  }

  static String doubleQuoted(String value) {
    return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
