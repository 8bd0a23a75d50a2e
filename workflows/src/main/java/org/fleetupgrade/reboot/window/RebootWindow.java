package org.fleetupgrade.reboot.window;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.fleetupgrade.fleet.PlatformNode;

/**
 * A sliding window over a stage's platform nodes: the next node starts as soon as one is back,
 * within {@code maxUnavailable} in the stage and {@code maxPerSite} per site, taking sites
 * round-robin so no site waits behind another. Unlike waves, one slow node holds only its own slot.
 *
 * <p>First the canary: the first {@code canary} nodes alone; the window opens only when the caller
 * says so (they are back and the stage is healthy). Past {@code maxFailedNodes} failures no new
 * node starts. Pure and deterministic (workflow code): the same calls give the same order.
 */
public final class RebootWindow {

  private final WindowLimits limits;
  private final List<String> sites;
  private final Map<String, Deque<String>> pending = new LinkedHashMap<>();
  private final Map<String, String> siteOf = new LinkedHashMap<>();
  private final Map<String, Integer> inFlightPerSite = new LinkedHashMap<>();
  private final Map<String, String> inFlight = new LinkedHashMap<>();
  private final Map<NodeFate, Integer> fates = new EnumMap<>(NodeFate.class);
  private final List<String> failed = new ArrayList<>();
  private int cursor;
  private int started;
  private boolean open;

  /** What a window must carry across a continue-as-new: what is left, what failed, where it was. */
  public record State(Map<String, List<String>> pending, Map<String, String> siteOf, List<String> failed,
      Map<NodeFate, Integer> fates, int cursor, int started, boolean open) {}

  public State state() {
    if (!inFlight.isEmpty()) {
      throw new IllegalStateException("a window with nodes in flight cannot be carried over");
    }
    Map<String, List<String>> left = new LinkedHashMap<>();
    pending.forEach((site, queue) -> left.put(site, List.copyOf(queue)));
    Map<String, String> sitesLeft = new LinkedHashMap<>();
    left.values().forEach(names -> names.forEach(n -> sitesLeft.put(n, siteOf.get(n))));
    failed.forEach(n -> sitesLeft.put(n, siteOf.get(n)));
    return new State(left, sitesLeft, List.copyOf(failed), new EnumMap<>(fates), cursor, started, open);
  }

  public RebootWindow(State state, WindowLimits limits) {
    this.limits = limits;
    state.pending().forEach((site, names) -> pending.put(site, new ArrayDeque<>(names)));
    siteOf.putAll(state.siteOf());
    failed.addAll(state.failed());
    fates.putAll(state.fates());
    sites = List.copyOf(pending.keySet());
    cursor = sites.isEmpty() ? 0 : state.cursor() % sites.size();
    started = state.started();
    open = state.open();
  }

  public RebootWindow(List<PlatformNode> nodes, WindowLimits limits) {
    this.limits = limits;
    Map<String, Deque<String>> bySite = new TreeMap<>();
    nodes.stream().sorted(Comparator.comparing(PlatformNode::site).thenComparing(PlatformNode::name)).forEach(n -> {
      bySite.computeIfAbsent(n.site(), s -> new ArrayDeque<>()).add(n.name());
      siteOf.put(n.name(), n.site());
    });
    pending.putAll(bySite);
    sites = List.copyOf(bySite.keySet());
    open = limits.canary() == 0;
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
