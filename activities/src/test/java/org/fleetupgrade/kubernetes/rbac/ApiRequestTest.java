package org.fleetupgrade.kubernetes.rbac;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTP requests as the API server's authorizer sees them, and rbac.yaml's rules as it applies them. */
class ApiRequestTest {

  private static ApiRequest request(String method, String uri) {
    return ApiRequest.of(method, URI.create(uri));
  }

  @Test
  void methodsAndPathsMapToTheVerbsRbacChecks() {
    assertThat(request("GET", "/api/v1/nodes?limit=500&continue=x"))
        .isEqualTo(new ApiRequest("list", "", "nodes", null, null, null, null));
    assertThat(request("GET", "/api/v1/nodes?watch=true"))
        .isEqualTo(new ApiRequest("watch", "", "nodes", null, null, null, null));
    assertThat(request("GET", "/api/v1/watch/namespaces/default/pods"))
        .isEqualTo(new ApiRequest("watch", "", "pods", null, "default", null, null));
    assertThat(request("GET", "/api/v1/nodes/mlab1-lga03"))
        .isEqualTo(new ApiRequest("get", "", "nodes", null, null, "mlab1-lga03", null));
    assertThat(request("PATCH", "/api/v1/nodes/mlab1-lga03"))
        .isEqualTo(new ApiRequest("patch", "", "nodes", null, null, "mlab1-lga03", null));
    assertThat(request("GET", "/api/v1/pods?fieldSelector=spec.nodeName%3Dn&limit=500"))
        .isEqualTo(new ApiRequest("list", "", "pods", null, null, null, null));
    assertThat(request("POST", "/api/v1/namespaces/web/pods/web-1/eviction"))
        .isEqualTo(new ApiRequest("create", "", "pods", "eviction", "web", "web-1", null));
    assertThat(request("PUT", "/apis/apps/v1/namespaces/default/daemonsets/kubereboot-kured"))
        .isEqualTo(new ApiRequest("update", "apps", "daemonsets", null, "default", "kubereboot-kured", null));
    assertThat(request("PUT", "/api/v1/nodes/n/status"))
        .isEqualTo(new ApiRequest("update", "", "nodes", "status", null, "n", null));
    assertThat(request("POST", "/api/v1/namespaces/default/pods"))
        .isEqualTo(new ApiRequest("create", "", "pods", null, "default", null, null));
    assertThat(request("DELETE", "/api/v1/namespaces/default/pods/p"))
        .isEqualTo(new ApiRequest("delete", "", "pods", null, "default", "p", null));
    assertThat(request("DELETE", "/api/v1/namespaces/default/pods"))
        .isEqualTo(new ApiRequest("deletecollection", "", "pods", null, "default", null, null));
    assertThat(request("GET", "/api/v1/namespaces/kube-system"))
        .isEqualTo(new ApiRequest("get", "", "namespaces", null, "kube-system", "kube-system", null));
    assertThat(request("GET", "/version")).isEqualTo(new ApiRequest("get", null, null, null, null, null, "/version"));
    assertThat(request("GET", "/apis/apps/v1")).isEqualTo(new ApiRequest("get", null, null, null, null, null, "/apis/apps/v1"));
  }

  @Test
  void rulesApplyWhereTheirBindingSaysAndToTheNamesTheyList(@TempDir Path dir) throws Exception {
    Path rbac = dir.resolve("rbac.yaml");
    Files.writeString(rbac, """
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: worker, namespace: ops}
        ---
        kind: ClusterRole
        metadata: {name: worker}
        rules:
          - {apiGroups: [""], resources: [nodes], verbs: [get]}
          - {apiGroups: [""], resources: [pods/eviction], verbs: [create]}
        ---
        kind: ClusterRoleBinding
        metadata: {name: worker}
        roleRef: {kind: ClusterRole, name: worker}
        subjects: [{kind: ServiceAccount, name: worker, namespace: ops}]
        ---
        kind: Role
        metadata: {name: lock, namespace: default}
        rules:
          - {apiGroups: [apps], resources: [daemonsets], resourceNames: [kured], verbs: [update]}
        ---
        kind: RoleBinding
        metadata: {name: lock, namespace: default}
        roleRef: {kind: Role, name: lock}
        subjects: [{kind: ServiceAccount, name: worker, namespace: ops}]
        ---
        kind: ClusterRole
        metadata: {name: unbound}
        rules:
          - {apiGroups: [""], resources: [secrets], verbs: [get]}
        ---
        kind: ClusterRoleBinding
        metadata: {name: someone-else}
        roleRef: {kind: ClusterRole, name: unbound}
        subjects: [{kind: ServiceAccount, name: other, namespace: ops}]
        """);
    RbacRules rules = RbacRules.load(rbac);

    assertThat(rules.serviceAccount()).isEqualTo("ops/worker");
    assertThat(rules.grants()).hasSize(3);
    assertThat(rules.allowing(request("GET", "/api/v1/nodes/n"))).isPresent();
    assertThat(rules.allowing(request("GET", "/api/v1/nodes"))).as("list is not get").isEmpty();
    assertThat(rules.allowing(request("POST", "/api/v1/namespaces/web/pods/p/eviction"))).isPresent();
    assertThat(rules.allowing(request("GET", "/api/v1/namespaces/web/pods/p"))).as("a subresource is not its resource")
        .isEmpty();
    assertThat(rules.allowing(request("PUT", "/apis/apps/v1/namespaces/default/daemonsets/kured"))).isPresent();
    assertThat(rules.allowing(request("PUT", "/apis/apps/v1/namespaces/default/daemonsets/other"))).as("resourceNames")
        .isEmpty();
    assertThat(rules.allowing(request("PUT", "/apis/apps/v1/namespaces/kube-system/daemonsets/kured")))
        .as("a RoleBinding's namespace only").isEmpty();
    assertThat(rules.allowing(request("GET", "/api/v1/namespaces/x/secrets/s"))).as("a role bound to someone else")
        .isEmpty();
    assertThat(rules.allowing(request("GET", "/version"))).as("system:public-info-viewer").isPresent();
    assertThat(rules.allowing(request("POST", "/version"))).isEmpty();
    assertThat(rules.grants()).extracting(RbacRules.Grant::namespace).containsExactly(null, null, "default");
    assertThat(rules.grants().get(2).resourceNames()).isEqualTo(List.of("kured"));
  }
}
