package org.fleetupgrade.images.git;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import org.eclipse.jgit.transport.CredentialsProvider;

/**
 * Where epoxy-images lives and how we write to it.
 *
 * @param url the HTTPS URL (a local path in tests)
 * @param credentials HTTPS credentials (a token), null for none; never logged, never in history
 * @param cacheDir a worker-local folder for the bare mirror; it is only a cache
 * @param configFile the file carrying the versions, relative to the repository root
 * @param mainBranch the branch staging builds from ({@code main} or {@code master})
 * @param branchPattern the branch a BRANCH stage pushes; {@code {kubernetes}} is the target version
 */
public record RepositorySettings(String url, CredentialsProvider credentials, Path cacheDir, String configFile,
    String mainBranch, String branchPattern, String authorName, String authorEmail, Duration timeout) {

  public RepositorySettings {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(cacheDir, "cacheDir");
    Objects.requireNonNull(configFile, "configFile");
    Objects.requireNonNull(mainBranch, "mainBranch");
    Objects.requireNonNull(branchPattern, "branchPattern");
    Objects.requireNonNull(authorName, "authorName");
    Objects.requireNonNull(authorEmail, "authorEmail");
    Objects.requireNonNull(timeout, "timeout");
  }

  public static final String DEFAULT_BRANCH_PATTERN = "sandbox-{kubernetes}";
}
