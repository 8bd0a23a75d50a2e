package org.fleetupgrade.kubernetes.rbac;

import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * One request to the Kubernetes API as RBAC sees it: the attributes the API server's authorizer is
 * asked about (k8s.io/apiserver's RequestInfoFactory): a resource request's verb, API group,
 * resource, subresource, namespace and name, or a non-resource request's URL and verb.
 *
 * <p>HTTP to verbs: GET or HEAD on a collection is {@code list} ({@code watch} with
 * {@code ?watch=true}), on a name {@code get}; POST {@code create} (an eviction is {@code create} on
 * {@code pods/eviction}); PUT {@code update}; PATCH {@code patch}; DELETE on a name {@code delete},
 * on a collection {@code deletecollection}. A non-resource request's verb is its method in lower case.
 *
 * @param group "" for the core group; null for a non-resource request
 * @param namespace null when cluster-scoped (and for non-resource requests)
 * @param name null for a collection
 * @param nonResourcePath the path of a non-resource request (e.g. /version), else null
 */
public record ApiRequest(String verb, String group, String resource, String subresource, String namespace,
    String name, String nonResourcePath) {

  /** The request {@code method} {@code uri} (its path and query) as RBAC attributes. */
  public static ApiRequest of(String method, URI uri) {
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    List<String> parts = Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toList();
    String group;
    int rest;
    if (parts.size() >= 3 && parts.get(0).equals("api")) {
      group = "";
      rest = 2;
    } else if (parts.size() >= 4 && parts.get(0).equals("apis")) {
      group = parts.get(1);
      rest = 3;
    } else {
      return new ApiRequest(method.toLowerCase(Locale.ROOT), null, null, null, null, null, path);
    }
    List<String> segments = parts.subList(rest, parts.size());
    boolean watchPath = false;
    if (segments.get(0).equals("watch")) { // the deprecated /watch/ prefix
      watchPath = true;
      segments = segments.subList(1, segments.size());
    }
    String namespace = null;
    if (segments.size() >= 2 && segments.get(0).equals("namespaces")) {
      namespace = segments.get(1);
      if (segments.size() > 2) {
        segments = segments.subList(2, segments.size());
      } else {
        segments = List.of("namespaces", namespace); // the namespace object itself
      }
    }
    if (segments.isEmpty()) {
      return new ApiRequest(method.toLowerCase(Locale.ROOT), null, null, null, null, null, path);
    }
    String resource = segments.get(0);
    String name = segments.size() >= 2 ? segments.get(1) : null;
    String subresource = segments.size() >= 3 ? segments.get(2) : null;
    boolean watch = watchPath || watchQuery(uri.getRawQuery());
    String verb = switch (method.toUpperCase(Locale.ROOT)) {
      case "GET", "HEAD" -> watch ? "watch" : name == null ? "list" : "get";
      case "POST" -> "create";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> name == null ? "deletecollection" : "delete";
      default -> method.toLowerCase(Locale.ROOT);
    };
    return new ApiRequest(verb, group, resource, subresource, namespace, name, null);
  }

  private static boolean watchQuery(String query) {
    if (query == null) {
      return false;
    }
    return Arrays.stream(query.split("&")).anyMatch(p -> p.equals("watch=true") || p.equals("watch=1"));
  }

  public boolean isResource() {
    return nonResourcePath == null;
  }

  /** {@code resource} or {@code resource/subresource}, as rules name it. */
  public String ruleResource() {
    return subresource == null ? resource : resource + "/" + subresource;
  }

  /** This request on the collection (or cluster) rather than one object: a name only narrows it. */
  public ApiRequest withoutName() {
    return new ApiRequest(verb, group, resource, subresource, namespace, null, nonResourcePath);
  }

  /** e.g. {@code create pods/eviction "web-1" in namespace default}, {@code get /version}. */
  @Override
  public String toString() {
    if (!isResource()) {
      return verb + " " + nonResourcePath;
    }
    return verb + " " + (group.isEmpty() ? "" : group + "/") + ruleResource() + (name == null ? "" : " \"" + name + "\"")
        + (namespace == null ? " (cluster-wide)" : " in namespace " + namespace);
  }
}
