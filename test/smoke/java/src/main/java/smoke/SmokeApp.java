package smoke;

import io.github.cdkrdsfailsafe.AgeAlarmOptions;
import io.github.cdkrdsfailsafe.DatabaseTagSelector;
import io.github.cdkrdsfailsafe.RdsSnapshotShipper;
import io.github.cdkrdsfailsafe.RdsSnapshotVault;
import io.github.cdkrdsfailsafe.SnapshotSource;
import io.github.cdkrdsfailsafe.VaultAlarmsOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;
import software.amazon.awscdk.cxapi.CloudAssembly;
import software.amazon.awscdk.services.rds.DatabaseCluster;
import software.amazon.awscdk.services.rds.DatabaseClusterAttributes;
import software.amazon.awscdk.services.rds.DatabaseInstance;
import software.amazon.awscdk.services.rds.DatabaseInstanceAttributes;
import software.amazon.awscdk.services.rds.IDatabaseInstance;

/** Uses both constructs as a Java user would, synthesizes, and checks the templates. */
public final class SmokeApp {
  private static final String LIVE = "111111111111";
  private static final String FAILSAFE = "222222222222";
  private static final String REGION = "eu-west-1";
  private static final List<String> failed = new ArrayList<>();
  private static int passed = 0;

  private static void check(String name, boolean ok) {
    System.out.println((ok ? "ok   " : "FAIL ") + name);
    if (ok) passed++; else failed.add(name);
  }

  public static void main(String[] args) throws Exception {
    Path outdir = Files.createTempDirectory("cdk-rds-failsafe-java-");
    App app = new App(AppProps.builder().outdir(outdir.toString()).build());

    Stack live = new Stack(app, "Live", StackProps.builder()
        .env(Environment.builder().account(LIVE).region(REGION).build()).build());
    IDatabaseInstance orders = DatabaseInstance.fromDatabaseInstanceAttributes(live, "Orders",
        DatabaseInstanceAttributes.builder()
            .instanceIdentifier("orders")
            .instanceEndpointAddress("orders.example.internal")
            .port(5432)
            .securityGroups(List.of())
            .build());
    RdsSnapshotShipper shipper = RdsSnapshotShipper.Builder.create(live, "Shipper")
        .vaultAccount(FAILSAFE)
        .instances(List.of(orders))
        .clusters(List.of(DatabaseCluster.fromDatabaseClusterAttributes(live, "Ledger",
            DatabaseClusterAttributes.builder().clusterIdentifier("ledger").build())))
        .selectByTag(DatabaseTagSelector.builder().key("dr").value("failsafe").build())
        .retention(Duration.days(3))
        .build();

    Stack failsafe = new Stack(app, "Failsafe", StackProps.builder()
        .env(Environment.builder().account(FAILSAFE).region(REGION).build()).build());
    RdsSnapshotVault vault = RdsSnapshotVault.Builder.create(failsafe, "Vault")
        .sources(List.of(SnapshotSource.builder().topicArn("arn:aws:sns:" + REGION + ":" + LIVE + ":rds-failsafe-shipper").build()))
        .retention(Duration.days(31))
        .minimumCopies(3)
        .alarms(VaultAlarmsOptions.builder().recoveryPoint(AgeAlarmOptions.builder().maxAge(Duration.hours(30)).build()).build())
        .build();

    CloudAssembly assembly = app.synth();
    for (String stack : List.of("Live", "Failsafe")) {
      Path template = Path.of(assembly.getDirectory(), stack + ".template.json");
      String json = Files.readString(template);
      int at = json.indexOf("\"S3Key\": \"");
      String key = json.substring(at + 10, json.indexOf('"', at + 10)).replace(".zip", "");
      try (var dirs = Files.list(Path.of(assembly.getDirectory()))) {
        Path asset = dirs.filter(p -> p.getFileName().toString().startsWith("asset." + key)).findFirst().orElse(null);
        long size = asset == null ? 0 : Files.size(asset.resolve("index.js"));
        check(stack + ": the handler's code asset is present and non-empty (" + size + " bytes)", size > 1000);
      }
      check(stack + ": the handler runs on Node.js 24", json.contains("\"Runtime\": \"nodejs24.x\""));
    }

    Template liveTemplate = Template.fromStack(live);
    liveTemplate.hasResourceProperties("AWS::SNS::Topic", Map.of("TopicName", "rds-failsafe-shipper", "KmsMasterKeyId", Match.anyValue()));
    liveTemplate.hasResourceProperties("AWS::KMS::Key", Map.of("EnableKeyRotation", true));
    check("Live: the topic is named and encrypted, the shipping key rotates", true);
    check("Live: shipper.getTopic() and getShippingKey() are usable from Java", shipper.getTopic() != null && shipper.getShippingKey() != null);
    check("Live: the Aurora cluster brought the cluster copy permission",
        Files.readString(Path.of(assembly.getDirectory(), "Live.template.json")).contains("rds:CopyDBClusterSnapshot"));

    Template failsafeTemplate = Template.fromStack(failsafe);
    failsafeTemplate.hasResourceProperties("AWS::SNS::Subscription",
        Map.of("Protocol", "sqs", "TopicArn", "arn:aws:sns:" + REGION + ":" + LIVE + ":rds-failsafe-shipper"));
    check("Failsafe: the vault's announcement queue is subscribed to the Live topic", vault.getAnnouncementQueue() != null);
    check("Failsafe: vault.getVaultKey() and getSourceAccounts() are usable from Java",
        vault.getVaultKey() != null && vault.getSourceAccounts().equals(List.of(LIVE)));
    check("Failsafe: the alarms options reached the recovery-point alarm, and the alarms are usable from Java",
        Files.readString(Path.of(assembly.getDirectory(), "Failsafe.template.json")).contains("\"Threshold\": 108000")
            && vault.getRecoveryPointAlarms().size() == 1 && vault.getFailureAlarm() != null);

    try {
      RdsSnapshotVault.Builder.create(new Stack(app, "Bad"), "Vault").sources(List.of()).build();
      check("bad props raise a clear error in Java", false);
    } catch (RuntimeException e) {
      check("bad props raise a clear error in Java", String.valueOf(e.getMessage()).contains("sources must name at least one shipper topic"));
    }

    System.out.println("java smoke: " + passed + " passed, " + failed.size() + " failed");
    System.exit(failed.isEmpty() ? 0 : 1);
  }
}
