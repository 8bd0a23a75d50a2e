package org.fleetupgrade.reboot.kured;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The lock annotation's value in kured's two JSON forms, read and written the way kured's Go code
 * (encoding/json) does, so each side parses the other's:
 *
 * <ul>
 *   <li>single (kured's --concurrency 1, the default):
 *       {@code {"nodeID":"n","metadata":{"unschedulable":false},"created":"<RFC 3339>","TTL":<ns>}}
 *   <li>multi-owner (--concurrency N > 1): {@code {"maxOwners":N,"locks":[<single>, ...]}}; kured
 *       writes {@code "locks":null} or {@code []} when it holds none.
 * </ul>
 *
 * <p>TTL is a Go time.Duration, so an integer count of nanoseconds (not "4h"); created is a Go
 * time.Time, so an RFC 3339 string with up to nine fractional digits.
 *
 * @param maxOwners null for the single form, else the multi-owner form's maxOwners
 * @param locks the holders: exactly one in the single form
 */
record LockAnnotation(Integer maxOwners, List<LockEntry> locks) {

  /** Like Go's json.Unmarshal, refuse anything after the value rather than ignore it. */
  private static final ObjectMapper JSON = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

  LockAnnotation {
    locks = List.copyOf(locks);
  }

  static LockAnnotation single(LockEntry entry) {
    return new LockAnnotation(null, List.of(entry));
  }

  static LockAnnotation multi(int maxOwners, List<LockEntry> locks) {
    return new LockAnnotation(maxOwners, locks);
  }

  boolean multiOwner() {
    return maxOwners != null;
  }

  boolean heldBy(String holderId) {
    return locks.stream().anyMatch(e -> e.nodeID().equals(holderId));
  }

  /** Live (unexpired) entries of anyone else: in kured's eyes they hold the lock. */
  List<LockEntry> liveOthers(String holderId, Instant now) {
    return locks.stream().filter(e -> !e.nodeID().equals(holderId) && !e.expiredAt(now)).toList();
  }

  Optional<LockEntry> expiredOther(String holderId, Instant now) {
    return locks.stream().filter(e -> !e.nodeID().equals(holderId) && e.expiredAt(now)).findFirst();
  }

  List<LockEntry> without(String holderId) {
    return locks.stream().filter(e -> !e.nodeID().equals(holderId)).toList();
  }

  /** The entry that matters to an observer: the first live one, else the first (expired) one. */
  Optional<LockEntry> current(Instant now) {
    return locks.stream().filter(e -> !e.expiredAt(now)).findFirst().or(() -> locks.stream().findFirst());
  }

  /** @throws Malformed when it is not one of kured's forms (kured itself would fail to parse it too) */
  static LockAnnotation parse(String value) {
    JsonNode root;
    try {
      root = JSON.readTree(value);
    } catch (JacksonException e) {
      throw new Malformed("not JSON");
    }
    if (root == null || !root.isObject()) {
      throw new Malformed("not a JSON object");
    }
    if (!root.has("locks") && !root.has("maxOwners")) {
      return single(entry(root));
    }
    JsonNode max = root.path("maxOwners");
    if (!max.isMissingNode() && !max.isInt()) {
      throw new Malformed("maxOwners is not an integer");
    }
    JsonNode array = root.path("locks");
    List<LockEntry> entries = new ArrayList<>();
    if (array.isArray()) {
      for (JsonNode item : array) {
        entries.add(entry(item));
      }
    } else if (!array.isMissingNode() && !array.isNull()) {
      throw new Malformed("locks is not an array");
    }
    return multi(max.isMissingNode() ? 0 : max.intValue(), entries);
  }

  private static LockEntry entry(JsonNode node) {
    if (!node.isObject()) {
      throw new Malformed("a lock is not a JSON object");
    }
    JsonNode id = node.path("nodeID");
    if (!id.isTextual()) {
      throw new Malformed("no nodeID string");
    }
    Instant created = time(node.path("created"));
    // Missing TTL is Go's zero value: never expires.
    JsonNode ttl = node.path("TTL");
    if (!ttl.isMissingNode() && !(ttl.isIntegralNumber() && ttl.canConvertToLong())) {
      throw new Malformed("TTL is not a Go duration (integer nanoseconds)");
    }
    JsonNode unschedulable = node.path("metadata").path("unschedulable");
    if (!unschedulable.isMissingNode() && !unschedulable.isBoolean()) {
      throw new Malformed("metadata.unschedulable is not a boolean");
    }
    return new LockEntry(id.textValue(), unschedulable.asBoolean(false), created, Duration.ofNanos(ttl.asLong(0)));
  }

  /** Go writes UTC ("Z"); an offset is valid RFC 3339 too, so accept it. */
  private static Instant time(JsonNode created) {
    if (created.isTextual()) {
      try {
        return Instant.from(DateTimeFormatter.ISO_OFFSET_DATE_TIME.parse(created.textValue()));
      } catch (DateTimeParseException e) {
        // fall through
      }
    }
    throw new Malformed("created is not an RFC 3339 time");
  }

  String toJson() {
    if (!multiOwner()) {
      return node(locks.get(0)).toString();
    }
    ObjectNode root = JSON.createObjectNode();
    root.put("maxOwners", maxOwners);
    ArrayNode array = root.putArray("locks");
    locks.forEach(e -> array.add(node(e)));
    return root.toString();
  }

  /** Field names and order as Go marshals LockAnnotationValue. */
  private static ObjectNode node(LockEntry entry) {
    ObjectNode node = JSON.createObjectNode();
    node.put("nodeID", entry.nodeID());
    node.putObject("metadata").put("unschedulable", entry.unschedulable());
    node.put("created", DateTimeFormatter.ISO_INSTANT.format(entry.created()));
    node.put("TTL", entry.ttl().toNanos());
    return node;
  }

  /** The value is not kured's format; the message says what is wrong, not the value itself. */
  static final class Malformed extends RuntimeException {
    Malformed(String reason) {
      super(reason);
    }
  }
}
