package org.fleetupgrade.worker.engine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.fleetupgrade.images.StageImagePipeline;
import org.fleetupgrade.images.cloudbuild.BuildTrigger;
import com.google.cloud.devtools.cloudbuild.v1.CloudBuildClient;
import org.fleetupgrade.images.cloudbuild.CloudBuildWatcher;
import org.fleetupgrade.images.cloudbuild.Sleeper;
import org.fleetupgrade.images.epoxy.EpoxyHosts;
import org.fleetupgrade.images.git.EpoxyImagesRepository;
import org.fleetupgrade.images.git.RefPolicy;
import org.fleetupgrade.images.git.RepositorySettings;
import org.fleetupgrade.worker.cli.BadInputException;
import org.fleetupgrade.worker.config.FleetConfig;
import org.fleetupgrade.worker.config.FleetConfig.ImagePipeline;
import org.fleetupgrade.worker.config.FleetConfig.Stage;

/**
 * The image pipelines of the real stages whose config names Cloud Build triggers. Opening reads the
 * repository token and connects the clients, failing with the setting at fault; clients are shared
 * between stages that use the same endpoint or repository.
 */
public final class ImagePipelines {

  private ImagePipelines() {}

  /** The pipelines by stage name; stages without one are not in it. */
  public static Map<String, StageImagePipeline> open(FleetConfig config, List<Stage> stages) {
    Map<String, StageImagePipeline> pipelines = new LinkedHashMap<>();
    Map<String, CloudBuildWatcher> watchers = new LinkedHashMap<>();
    // One mirror per URL and cache: two instances over one bare folder could race.
    Map<String, EpoxyImagesRepository> repositories = new LinkedHashMap<>();
    for (Stage stage : stages) {
      if (stage.images().isEmpty()) {
        continue;
      }
      ImagePipeline p = stage.images().get();
      String where = config.source() + ": stages." + stage.name() + ".images";
      RepositorySettings settings = repositorySettings(p.images(), where);
      EpoxyImagesRepository repository = repositories.computeIfAbsent(settings.url() + "|" + settings.cacheDir(),
          key -> new EpoxyImagesRepository(settings, Clock.systemUTC()));
      String watcherKey = p.buildEndpoint() + "|" + p.images().pollInterval();
      CloudBuildWatcher watcher = watchers.get(watcherKey);
      if (watcher == null) {
        try {
          watcher = new CloudBuildWatcher(CloudBuildClient.create(CloudBuildWatcher.settings(p.buildEndpoint())),
              Clock.systemUTC(), p.images().pollInterval(), Sleeper.THREAD);
        } catch (IOException e) {
          throw new BadInputException(where + ".cloudBuild: cannot connect: " + e.getMessage()
              + " (Application Default Credentials: GOOGLE_APPLICATION_CREDENTIALS or the metadata server)");
        }
        watchers.put(watcherKey, watcher);
      }
      EpoxyHosts hosts = null;
      if (p.ref() == RefPolicy.TAG) {
        try {
          hosts = EpoxyHosts.connect(p.epoxyProject(), p.epoxyNamespace(), p.datastoreEndpoint());
        } catch (RuntimeException e) {
          throw new BadInputException(where + ".epoxy: cannot connect to Datastore in " + p.epoxyProject() + ": "
              + e.getMessage());
        }
      }
      pipelines.put(stage.name(), new StageImagePipeline(new StageImagePipeline.Settings(p.ref(),
          new BuildTrigger(p.buildProject(), p.buildRegion(), p.triggers()), p.images().buildAppearTimeout(),
          p.images().buildTimeout(), p.images().pollInterval(), EpoxyHosts.hostPattern(p.hostPattern())),
          repository, watcher, hosts));
    }
    return pipelines;
  }

  static RepositorySettings repositorySettings(FleetConfig.Images images, String where) {
    String url = images.repository();
    if (url.startsWith("file://")) {
      url = Path.of(java.net.URI.create(url)).toString();
    }
    return new RepositorySettings(url, credentials(images, where), Path.of(images.cacheDir()), images.configFile(),
        images.mainBranch(), images.branch(), images.authorName(), images.authorEmail(), images.gitTimeout());
  }

  /** The token, read now: a worker that cannot push finds out at start, not a week into an upgrade. */
  static CredentialsProvider credentials(FleetConfig.Images images, String where) {
    String token;
    if (images.tokenFile() != null) {
      try {
        token = Files.readString(Path.of(images.tokenFile()), StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        throw new BadInputException(where + ".tokenFile: cannot read " + images.tokenFile() + ": " + e.getClass()
            .getSimpleName());
      }
      if (token.isEmpty()) {
        throw new BadInputException(where + ".tokenFile: " + images.tokenFile() + " is empty");
      }
    } else if (images.tokenEnv() != null) {
      token = System.getenv(images.tokenEnv());
      if (token == null || token.isBlank()) {
        throw new BadInputException(where + ".tokenEnv: the environment variable " + images.tokenEnv() + " is not set");
      }
      token = token.strip();
    } else {
      return null;
    }
    return new UsernamePasswordCredentialsProvider(images.username(), token);
  }
}
