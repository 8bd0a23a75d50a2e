package org.fleetupgrade.kubernetes.rbac;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * k8s/rbac.yaml against what the adapters do: every Kubernetes API request that main code made
 * during this module's tests (recorded by {@link AdapterRequests}, one file per test class) must be
 * allowed by a rule bound to the worker's ServiceAccount, and every rule must allow something they
 * did. No list of verbs is kept by hand: an adapter that makes a new call fails the build here
 * until rbac.yaml grants it, and a grant nothing uses any more fails it until it is removed.
 *
 * <p>An integration test (failsafe) so that it runs after every unit test of the module has
 * recorded: Maven runs the integration-test phase after the test phase, whatever order surefire
 * runs the classes in. The recordings in target/kubernetes-requests are rewritten by each class
 * that runs; after a partial run (-Dtest=...) the others are those of the last run (mvn clean
 * forgets them all).
 */
class KubernetesRbacIT {

  private static final Path REPO = Path.of(System.getProperty("fleetupgrade.repo", ".."));

  /** Each distinct request -> where it was made (adapter method:line) -> the test classes that recorded it. */
  private static final Map<ApiRequest, Map<String, Set<String>>> requests = new LinkedHashMap<>();
  private static RbacRules rules;

  @BeforeAll
  static void load() throws IOException {
    rules = RbacRules.load(REPO.resolve("k8s/rbac.yaml"));
    assertThat(AdapterRequests.DIRECTORY)
        .as("the adapters' recorded requests (%s): run this module's tests first (mvn verify does)",
            AdapterRequests.DIRECTORY.toAbsolutePath())
        .isDirectory();
    try (Stream<Path> files = Files.list(AdapterRequests.DIRECTORY)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".tsv")).sorted().toList()) {
        String testClass = file.getFileName().toString().replaceFirst("\\.tsv$", "");
        for (String line : Files.readAllLines(file)) {
          String[] fields = line.split("\t", 3);
          ApiRequest request = ApiRequest.of(fields[0], URI.create(fields[1]));
          requests.computeIfAbsent(request, r -> new TreeMap<>()).computeIfAbsent(fields[2], c -> new TreeSet<>())
              .add(testClass.substring(testClass.lastIndexOf('.') + 1));
        }
      }
    }
    assertThat(requests).as("recorded requests in " + AdapterRequests.DIRECTORY.toAbsolutePath()).isNotEmpty();
  }

  @Test
  void everyRequestTheAdaptersMakeIsGranted() {
    // Refused requests by verb, resource and namespace, each with its names and where it was made.
    Map<String, Set<String>> names = new TreeMap<>();
    Map<String, Map<String, Set<String>>> refused = new TreeMap<>();
    requests.forEach((request, where) -> {
      if (rules.allowing(request).isEmpty()) {
        String what = request.withoutName().toString();
        Map<String, Set<String>> callers = refused.computeIfAbsent(what, r -> new TreeMap<>());
        where.forEach((caller, tests) -> callers.computeIfAbsent(caller, c -> new TreeSet<>()).addAll(tests));
        if (request.name() != null) {
          names.computeIfAbsent(what, r -> new TreeSet<>()).add(request.name());
        }
      }
    });
    StringBuilder report = new StringBuilder();
    refused.forEach((what, callers) -> {
      report.append("\n  ").append(what);
      Set<String> named = names.getOrDefault(what, Set.of());
      if (!named.isEmpty()) {
        report.append(" (names: ").append(String.join(", ", named.stream().limit(3).toList()))
            .append(named.size() > 3 ? ", ... " + named.size() + " in all" : "").append(")");
      }
      report.append(", made by:");
      callers.forEach((caller, tests) -> report.append("\n    ").append(caller).append("  (recorded in ")
          .append(String.join(", ", tests)).append(")"));
    });
    assertThat(refused.keySet())
        .as("requests the adapters make that k8s/rbac.yaml does not grant %s (add the rule, or a Role in that"
            + " namespace):%s%n", rules.serviceAccount(), report)
        .isEmpty();
  }

  @Test
  void everyGrantIsUsedByTheAdapters() {
    List<String> unused = new ArrayList<>();
    for (RbacRules.Grant grant : rules.grants()) {
      assertThat(grant.verbs()).as("a wildcard verb grants more than any adapter uses: " + grant).doesNotContain("*");
      assertThat(grant.resources()).as("a wildcard resource: " + grant).doesNotContain("*");
      assertThat(grant.apiGroups()).as("a wildcard API group: " + grant).doesNotContain("*");
      for (String group : grant.apiGroups()) {
        for (String resource : grant.resources()) {
          for (String verb : grant.verbs()) {
            boolean used = requests.keySet().stream().anyMatch(r -> r.isResource() && r.group().equals(group)
                && r.ruleResource().equals(resource) && r.verb().equals(verb) && grant.allows(r));
            if (!used) {
              unused.add(verb + " " + (group.isEmpty() ? "" : group + "/") + resource + " from " + grant);
            }
          }
        }
      }
      for (String url : grant.nonResourceUrls()) {
        for (String verb : grant.verbs()) {
          if (requests.keySet().stream().noneMatch(r -> !r.isResource() && r.verb().equals(verb) && grant.allows(r))) {
            unused.add(verb + " " + url + " from " + grant);
          }
        }
      }
    }
    assertThat(unused).as("grants in k8s/rbac.yaml that no adapter request used during the tests (remove them;"
        + " after a partial test run, run the module's whole test phase first)").isEmpty();
  }
}
