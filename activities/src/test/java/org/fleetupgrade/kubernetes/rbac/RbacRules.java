package org.fleetupgrade.kubernetes.rbac;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What k8s/rbac.yaml lets its ServiceAccount do, as the API server's RBAC authorizer decides it:
 * a ClusterRole bound by a ClusterRoleBinding applies everywhere (cluster-scoped resources and
 * every namespace), a Role or ClusterRole bound by a RoleBinding only in the binding's namespace;
 * a rule matches a request when its apiGroups, resources (or {@code resource/subresource}) and
 * verbs hold the request's, or {@code *}, and its resourceNames (if any) hold the request's name.
 */
public record RbacRules(String serviceAccount, List<Grant> grants) {

  /**
   * Non-resource URLs every user may GET: Kubernetes' bootstrap ClusterRole
   * {@code system:public-info-viewer}, bound to system:authenticated and system:unauthenticated
   * (k8s.io/apiserver plugin/pkg/authorizer/rbac/bootstrappolicy: /healthz, /livez, /readyz, /version,
   * /version/). The adapters ask /version to check a stage's cluster is reachable.
   */
  public static final Set<String> PUBLIC_INFO = Set.of("/healthz", "/livez", "/readyz", "/version", "/version/");

  /**
   * One rule as it applies: in {@code namespace} (null: every namespace and cluster-scoped), from
   * the role {@code role} (kind/namespace/name) bound by {@code binding}.
   */
  public record Grant(String role, String binding, String namespace, List<String> apiGroups, List<String> resources,
      List<String> resourceNames, List<String> verbs, List<String> nonResourceUrls) {

    boolean allows(ApiRequest r) {
      if (!r.isResource()) {
        return namespace == null && verbs.stream().anyMatch(v -> v.equals("*") || v.equals(r.verb()))
            && nonResourceUrls.stream().anyMatch(u -> u.equals(r.nonResourcePath())
                || (u.endsWith("*") && r.nonResourcePath().startsWith(u.substring(0, u.length() - 1))));
      }
      return (namespace == null || namespace.equals(r.namespace()))
          && apiGroups.stream().anyMatch(g -> g.equals("*") || g.equals(r.group()))
          && resources.stream().anyMatch(res -> res.equals("*") || res.equals(r.ruleResource()))
          && verbs.stream().anyMatch(v -> v.equals("*") || v.equals(r.verb()))
          && (resourceNames.isEmpty() || (r.name() != null && resourceNames.contains(r.name())));
    }

    @Override
    public String toString() {
      return role + " (bound by " + binding + (namespace == null ? ", everywhere" : ", in namespace " + namespace)
          + "): " + (nonResourceUrls.isEmpty() ? "apiGroups " + apiGroups + " resources " + resources
          + (resourceNames.isEmpty() ? "" : " resourceNames " + resourceNames) : "nonResourceURLs " + nonResourceUrls)
          + " verbs " + verbs;
    }
  }

  /** The rules of {@code rbac} that apply to the ServiceAccount it defines (it must define exactly one). */
  public static RbacRules load(Path rbac) throws IOException {
    List<JsonNode> docs = documents(rbac);
    List<JsonNode> accounts = docs.stream().filter(d -> kind(d).equals("ServiceAccount")).toList();
    if (accounts.size() != 1) {
      throw new IllegalArgumentException(rbac + ": expected one ServiceAccount, found " + accounts.size());
    }
    String account = text(accounts.get(0), "metadata", "name");
    String accountNamespace = text(accounts.get(0), "metadata", "namespace");
    List<Grant> grants = new ArrayList<>();
    for (JsonNode binding : docs) {
      String bindingKind = kind(binding);
      if (!bindingKind.equals("ClusterRoleBinding") && !bindingKind.equals("RoleBinding")) {
        continue;
      }
      boolean forUs = false;
      for (JsonNode subject : binding.path("subjects")) {
        forUs |= subject.path("kind").asText().equals("ServiceAccount") && subject.path("name").asText().equals(account)
            && subject.path("namespace").asText().equals(accountNamespace);
      }
      if (!forUs) {
        continue;
      }
      String bindingNamespace = bindingKind.equals("RoleBinding") ? text(binding, "metadata", "namespace") : null;
      String roleKind = text(binding, "roleRef", "kind");
      String roleName = text(binding, "roleRef", "name");
      JsonNode role = docs.stream()
          .filter(d -> kind(d).equals(roleKind) && text(d, "metadata", "name").equals(roleName)
              && (roleKind.equals("ClusterRole") || text(d, "metadata", "namespace").equals(bindingNamespace)))
          .findFirst()
          .orElseThrow(() -> new IllegalArgumentException(rbac + ": " + bindingKind + " " + text(binding, "metadata", "name")
              + " refers to " + roleKind + " " + roleName + ", which the file does not define"));
      String roleId = roleKind + " " + (roleKind.equals("Role") ? bindingNamespace + "/" : "") + roleName;
      String bindingId = bindingKind + " " + (bindingNamespace == null ? "" : bindingNamespace + "/")
          + text(binding, "metadata", "name");
      for (JsonNode rule : role.path("rules")) {
        grants.add(new Grant(roleId, bindingId, bindingNamespace, list(rule, "apiGroups"), list(rule, "resources"),
            list(rule, "resourceNames"), list(rule, "verbs"), list(rule, "nonResourceURLs")));
      }
    }
    return new RbacRules(accountNamespace + "/" + account, grants);
  }

  /** The first grant that allows {@code request}, if any. */
  public Optional<Grant> allowing(ApiRequest request) {
    if (!request.isResource() && request.verb().equals("get") && PUBLIC_INFO.contains(request.nonResourcePath())) {
      return Optional.of(new Grant("ClusterRole system:public-info-viewer", "Kubernetes' bootstrap policy", null,
          List.of(), List.of(), List.of(), List.of("get"), List.copyOf(PUBLIC_INFO)));
    }
    return grants.stream().filter(g -> g.allows(request)).findFirst();
  }

  static List<JsonNode> documents(Path file) throws IOException {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    List<JsonNode> docs = new ArrayList<>();
    try (var parser = yaml.getFactory().createParser(Files.readString(file))) {
      yaml.readValues(parser, JsonNode.class).forEachRemaining(d -> {
        if (d != null && !d.isNull() && !d.isMissingNode()) {
          docs.add(d);
        }
      });
    }
    return docs;
  }

  private static String kind(JsonNode doc) {
    return doc.path("kind").asText();
  }

  private static String text(JsonNode node, String... path) {
    JsonNode n = node;
    for (String p : path) {
      n = n.path(p);
    }
    return n.asText();
  }

  private static List<String> list(JsonNode node, String field) {
    List<String> values = new ArrayList<>();
    node.path(field).forEach(v -> values.add(v.asText()));
    return List.copyOf(values);
  }
}
