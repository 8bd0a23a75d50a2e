package org.fleetupgrade.worker.cli;

import java.util.concurrent.Callable;
import org.fleetupgrade.fleet.UpgradeRequest;
import org.fleetupgrade.preflight.UpgradeReview;
import org.fleetupgrade.worker.engine.TemporalConnection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "review", mixinStandardHelpOptions = true,
    description = "Print what must be read before upgrading to a version: current versions per stage, the path,"
        + " urgent notes, deprecations, security and kubeadm items, warnings. Starts nothing.")
public class ReviewCommand implements Callable<Integer> {

  @Mixin
  GlobalOptions global;

  @Mixin
  UpgradeArguments upgrade;

  @Option(names = "--json", description = "the review as JSON, for scripts")
  boolean json;

  @Override
  public Integer call() throws Exception {
    UpgradeRequest request = upgrade.request(false);
    try (TemporalConnection temporal = global.connect(upgrade.fleet().temporal().address(),
        upgrade.fleet().temporal().namespace())) {
      temporal.requireWorkerOn(upgrade.fleet().temporal().taskQueue());
      UpgradeReview review = upgrade.review(temporal.client(), request);
      System.out.print(json ? StatusCommand.json().writeValueAsString(review) + "\n" : ReviewPrinter.print(review));
      return Main.OK;
    }
  }
}
