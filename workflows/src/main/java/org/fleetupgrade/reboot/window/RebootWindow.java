package org.fleetupgrade.reboot.window;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fleetupgrade.fleet.PlatformNode;

/**
 * A sliding window over a stage's platform nodes: the next node starts as soon as one is back,
 * within {@code maxUnavailable} in the stage and {@code maxPerSite} per site, taking sites
 * round-robin so no site waits behind another. Unlike waves, one slow node holds only its own slot.
 *
 * <p>First the canary: the first {@code canary} nodes alone; the window opens only when the caller
 * says so (they are back and the stage is healthy). Past {@code maxFailedNodes} failures no new
 * node starts. Pure and deterministic (workflow code): the same calls give the same order.
 *
 * <p>The window need not hold a stage's every node: {@link #add} refills it page by page (sites keep
 * their round-robin turn, new sites join at the end), and its {@link State} carries only what is
 * buffered, in flight and failed, so a 20,000-node stage never travels in one payload.
 */
public final class RebootWindow {

  private final WindowLimits limits;
  private final List<String> sites = new ArrayList<>();
  private final Map<String, Deque<String>> pending = new LinkedHashMap<>();
  private final Map<String, String> siteOf = new LinkedHashMap<>();
  private final Map<String, Integer> inFlightPerSite = new LinkedHashMap<>();
  private final Map<String, String> inFlight = new LinkedHashMap<>();
  private final Map<NodeFate, Integer> fates = new EnumMap<>(NodeFate.class);
  private final List<String> failed = new ArrayList<>();
  /** Buffered nodes' last reboot times (seconds), where the node has one recorded. */
  private final Map<String, Integer> known = new LinkedHashMap<>();
  private long knownSum;
  private int cursor;
  private int started;
  private boolean open;
  private boolean mostLeftFirst;
  private boolean slowestKnownFirst;

  /**
   * What a window carries across a continue-as-new: what is buffered (sites in their round-robin
   * order from the cursor), in flight (node to site; null in states from before it could be carried)
   * and failed, the counts, and the last reboot times known of buffered nodes (null in states from
   * before they were).
   */
  public record State(Map<String, List<String>> pending, Map<String, String> siteOf, List<String> failed,
      Map<NodeFate, Integer> fates, int cursor, int started, boolean open, Map<String, String> inFlight,
      Map<String, Integer> rebootSeconds) {

    public State {
      inFlight = inFlight == null ? Map.of() : inFlight;
      rebootSeconds = rebootSeconds == null ? Map.of() : rebootSeconds;
    }

    public State(Map<String, List<String>> pending, Map<String, String> siteOf, List<String> failed,
        Map<NodeFate, Integer> fates, int cursor, int started, boolean open, Map<String, String> inFlight) {
      this(pending, siteOf, failed, fates, cursor, started, open, inFlight, null);
    }
  }

  /** Only what is left: sites with nothing buffered drop out, and the next site's turn comes first. */
  public State state() {
    Map<String, List<String>> left = new LinkedHashMap<>();
    for (int i = 0; i < sites.size(); i++) {
      String site = sites.get((cursor + i) % sites.size());
      if (!pending.get(site).isEmpty()) {
        left.put(site, List.copyOf(pending.get(site)));
      }
    }
    // Sites of buffered nodes are the keys of what is left: only failed nodes need theirs written out.
    Map<String, String> sitesLeft = new LinkedHashMap<>();
    failed.forEach(n -> sitesLeft.put(n, siteOf.get(n)));
    return new State(left, sitesLeft, List.copyOf(failed), new EnumMap<>(fates), 0, started, open,
        new LinkedHashMap<>(inFlight), new LinkedHashMap<>(known));
  }

  public RebootWindow(State state, WindowLimits limits) {
    this.limits = limits;
    state.pending().forEach((site, names) -> {
      pending.put(site, new ArrayDeque<>(names));
      names.forEach(n -> siteOf.put(n, site));
    });
    siteOf.putAll(state.siteOf());
    state.rebootSeconds().forEach(this::know);
    failed.addAll(state.failed());
    fates.putAll(state.fates());
    sites.addAll(pending.keySet());
    cursor = sites.isEmpty() ? 0 : state.cursor() % sites.size();
    started = state.started();
    open = state.open();
    state.inFlight().forEach((node, site) -> {
      siteOf.put(node, site);
      inFlight.put(node, site);
      inFlightPerSite.merge(site, 1, Integer::sum);
      if (!pending.containsKey(site)) {
        pending.put(site, new ArrayDeque<>());
        sites.add(site);
      }
    });
  }

  /** A whole stage's nodes at once, sites in name order (rollouts from before the node list was paged). */
  public RebootWindow(List<PlatformNode> nodes, WindowLimits limits) {
    this(limits);
    add(nodes.stream().sorted(Comparator.comparing(PlatformNode::site).thenComparing(PlatformNode::name)).toList());
  }

  /** An empty window, filled by {@link #add}. */
  public RebootWindow(WindowLimits limits) {
    this.limits = limits;
    open = limits.canary() == 0;
  }

  /** More nodes to reboot, queued per site in the order given; a site seen for the first time takes its turn last. */
  public void add(List<PlatformNode> nodes) {
    for (PlatformNode n : nodes) {
      if (siteOf.containsKey(n.name())) {
        continue; // already buffered, in flight or failed
      }
      pending.computeIfAbsent(n.site(), s -> {
        sites.add(s);
        return new ArrayDeque<>();
      }).add(n.name());
      siteOf.put(n.name(), n.site());
      if (n.lastRebootSeconds() != null) {
        know(n.name(), n.lastRebootSeconds());
      }
    }
  }

  private void know(String node, int seconds) {
    Integer before = known.put(node, seconds);
    knownSum += seconds - (before == null ? 0 : before);
  }

  /**
   * From now on the next node comes from the site with the most nodes left (ties in round-robin
   * order), not simply the next site in turn: a site held back by a slow node catches up as soon as
   * it is free, instead of waiting for its turn behind every other site, so fewer sites still have
   * nodes left when the rest of the stage is done.
   */
  public RebootWindow mostLeftFirst() {
    mostLeftFirst = true;
    return this;
  }

  /**
   * From now on the next node is the slowest known to reboot (its last reboot by this tool, see
   * {@link PlatformNode#lastRebootSeconds}) among sites that may start one, a node never timed
   * counting as the mean of those that were; among equals, the site with the most left, then
   * round-robin. A slow node started last holds the whole stage at the end; started first, it
   * reboots while the rest go through the other slots. The canary is the fastest known instead. With
   * nothing known it is {@link #mostLeftFirst} exactly.
   */
  public RebootWindow slowestKnownFirst() {
    mostLeftFirst = true;
    slowestKnownFirst = true;
    return this;
  }

  /** Nodes counted without a reboot of ours (found at the target, or excluded, before they were buffered). */
  public void counted(NodeFate fate, int nodes) {
    fates.merge(fate, nodes, Integer::sum);
  }

  /**
   * The nodes that may start now, in order; each is taken as started. Empty when the window is
   * full, the canary is out, the failure budget is spent, or nothing is left.
   */
  public List<String> next() {
    List<String> starting = new ArrayList<>();
    if (budgetSpent()) {
      return starting;
    }
    int capacity = open ? limits.maxUnavailable() : Math.min(limits.maxUnavailable(), limits.canary());
    int canaryLeft = open ? Integer.MAX_VALUE : limits.canary() - started;
    int passes = 0;
    if (mostLeftFirst) {
      while (inFlight.size() < capacity && canaryLeft > 0) {
        String site = siteWithMostLeft();
        if (site == null) {
          break;
        }
        starting.add(start(site));
        canaryLeft--;
      }
      return starting;
    }
    while (inFlight.size() < capacity && canaryLeft > 0 && passes < sites.size() && !sites.isEmpty()) {
      String site = sites.get(cursor);
      cursor = (cursor + 1) % sites.size();
      Deque<String> queue = pending.get(site);
      if (queue.isEmpty() || inFlightPerSite.getOrDefault(site, 0) >= limits.maxPerSite()) {
        passes++;
        continue;
      }
      String node = queue.poll();
      inFlight.put(node, site);
      inFlightPerSite.merge(site, 1, Integer::sum);
      started++;
      canaryLeft--;
      starting.add(node);
      passes = 0;
    }
    return starting;
  }

  /**
   * The site that may start a node and has the most left (with {@link #slowestKnownFirst}: whose
   * slowest node is slowest, then the most left), the first in turn among equals; null if none.
   */
  private String siteWithMostLeft() {
    String best = null;
    int most = 0;
    double slowest = Double.NEGATIVE_INFINITY;
    int bestAt = 0;
    for (int i = 0; i < sites.size(); i++) {
      String site = sites.get((cursor + i) % sites.size());
      int left = pending.get(site).size();
      if (left == 0 || inFlightPerSite.getOrDefault(site, 0) >= limits.maxPerSite()) {
        continue;
      }
      double key = slowestKnownFirst ? order(seconds(chosenIn(site))) : 0;
      if (key > slowest || (key == slowest && left > most)) {
        best = site;
        most = left;
        slowest = key;
        bestAt = (cursor + i) % sites.size();
      }
    }
    if (best != null) {
      cursor = (bestAt + 1) % sites.size();
    }
    return best;
  }

  /**
   * Slowest first once the window is open; the canary, though, is the fastest known: it is there to
   * prove the image, and the whole stage waits for it.
   */
  private double order(double seconds) {
    return open ? seconds : -seconds;
  }

  /** The site's buffered node to start next in {@link #order} (the first among equals). */
  private String chosenIn(String site) {
    String chosen = null;
    double best = Double.NEGATIVE_INFINITY;
    for (String node : pending.get(site)) {
      double key = order(seconds(node));
      if (key > best) {
        chosen = node;
        best = key;
      }
    }
    return chosen;
  }

  /** The node's last reboot time; for a node never timed, the mean of the buffered nodes that were (0 if none). */
  private double seconds(String node) {
    Integer s = known.get(node);
    return s != null ? s : known.isEmpty() ? 0 : (double) knownSum / known.size();
  }

  private String start(String site) {
    // With nothing known every node weighs the same, and the first in the queue is chosen.
    String node = slowestKnownFirst ? chosenIn(site) : pending.get(site).peek();
    pending.get(site).remove(node);
    Integer s = known.remove(node);
    if (s != null) {
      knownSum -= s;
    }
    inFlight.put(node, site);
    inFlightPerSite.merge(site, 1, Integer::sum);
    started++;
    return node;
  }

  /** A node in flight ended; its slot is free again. */
  public void finished(String node, NodeFate fate) {
    String site = inFlight.remove(node);
    if (site == null) {
      throw new IllegalArgumentException(node + " is not in flight");
    }
    inFlightPerSite.merge(site, -1, Integer::sum);
    fates.merge(fate, 1, Integer::sum);
    if (fate == NodeFate.FAILED) {
      failed.add(node);
    }
  }

  /** A failed node an operator accepted (skip): it no longer counts against the budget. */
  public void accept(String node) {
    if (failed.remove(node)) {
      fates.merge(NodeFate.FAILED, -1, Integer::sum);
      fates.merge(NodeFate.SKIPPED, 1, Integer::sum);
    }
  }

  /** A failed node to try again (retry): back at the front of its site's queue. */
  public void requeue(String node) {
    if (failed.remove(node)) {
      fates.merge(NodeFate.FAILED, -1, Integer::sum);
      pending.get(siteOf.get(node)).addFirst(node);
    }
  }

  /** The canary is back and healthy: from now on the whole budget is used. */
  public void open() {
    open = true;
  }

  public boolean isOpen() {
    return open;
  }

  /** The canary has all started and come back: the caller may check health, then {@link #open}. */
  public boolean canaryDone() {
    return !open && inFlight.isEmpty() && (started >= limits.canary() || remaining() == 0);
  }

  public boolean budgetSpent() {
    return failed.size() > limits.maxFailedNodes();
  }

  /** Nothing left to start and nothing in flight (failed nodes may remain). */
  public boolean finished() {
    return inFlight.isEmpty() && remaining() == 0;
  }

  public int remaining() {
    return pending.values().stream().mapToInt(Deque::size).sum();
  }

  public int inFlightCount() {
    return inFlight.size();
  }

  public Map<String, String> inFlight() {
    return Map.copyOf(inFlight);
  }

  public boolean isInFlight(String node) {
    return inFlight.containsKey(node);
  }

  public int inFlightAt(String site) {
    return inFlightPerSite.getOrDefault(site, 0);
  }

  public int count(NodeFate fate) {
    return fates.getOrDefault(fate, 0);
  }

  public List<String> failed() {
    return List.copyOf(failed);
  }

  public String siteOf(String node) {
    return siteOf.get(node);
  }
}
