// Go smoke test: uses both constructs as a Go user would, synthesizes, and
// checks the templates. Run by test/smoke/go/run.sh against the module in
// dist/go; it reads the templates as JSON (no assertions package), which keeps
// the compile small.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdk-rds-failsafe/cdk-rds-failsafe-go/cdkrdsfailsafe"
)

const (
	live     = "111111111111"
	failsafe = "222222222222"
	region   = "eu-west-1"
)

var passed, failed int

func check(name string, ok bool) {
	if ok {
		passed++
		fmt.Println("ok   " + name)
	} else {
		failed++
		fmt.Println("FAIL " + name)
	}
}

type template struct {
	Resources map[string]struct {
		Type       string                 `json:"Type"`
		Properties map[string]interface{} `json:"Properties"`
	} `json:"Resources"`
}

func readTemplate(dir, stack string) (template, string) {
	raw, err := os.ReadFile(filepath.Join(dir, stack+".template.json"))
	if err != nil {
		panic(err)
	}
	var t template
	if err := json.Unmarshal(raw, &t); err != nil {
		panic(err)
	}
	return t, string(raw)
}

// assetPath is where the cloud assembly holds a file asset, from the stack's asset manifest.
func assetPath(dir, stack, hash string) string {
	raw, err := os.ReadFile(filepath.Join(dir, stack+".assets.json"))
	if err != nil {
		panic(err)
	}
	var manifest struct {
		Files map[string]struct {
			Source struct {
				Path string `json:"path"`
			} `json:"source"`
		} `json:"files"`
	}
	if err := json.Unmarshal(raw, &manifest); err != nil {
		panic(err)
	}
	return manifest.Files[hash].Source.Path
}

// hasResource reports whether a resource of the type has every property given (compared as JSON).
func hasResource(t template, resourceType string, props map[string]interface{}) bool {
	for _, r := range t.Resources {
		if r.Type != resourceType {
			continue
		}
		all := true
		for k, want := range props {
			got, present := r.Properties[k]
			w, _ := json.Marshal(want)
			g, _ := json.Marshal(got)
			if !present || (want != nil && string(w) != string(g)) {
				all = false
			}
		}
		if all {
			return true
		}
	}
	return false
}

func main() {
	outdir, err := os.MkdirTemp("", "cdk-rds-failsafe-go-")
	if err != nil {
		panic(err)
	}
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(outdir)})

	liveStack := awscdk.NewStack(app, jsii.String("Live"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String(live), Region: jsii.String(region)},
	})
	orders := awsrds.DatabaseInstance_FromDatabaseInstanceAttributes(liveStack, jsii.String("Orders"), &awsrds.DatabaseInstanceAttributes{
		InstanceIdentifier:      jsii.String("orders"),
		InstanceEndpointAddress: jsii.String("orders.example.internal"),
		Port:                    jsii.Number(5432),
		SecurityGroups:          &[]awsec2.ISecurityGroup{},
	})
	ledger := awsrds.DatabaseCluster_FromDatabaseClusterAttributes(liveStack, jsii.String("Ledger"), &awsrds.DatabaseClusterAttributes{
		ClusterIdentifier: jsii.String("ledger"),
	})
	shipper := cdkrdsfailsafe.NewRdsSnapshotShipper(liveStack, jsii.String("Shipper"), &cdkrdsfailsafe.RdsSnapshotShipperProps{
		VaultAccount: jsii.String(failsafe),
		Instances:    &[]awsrds.IDatabaseInstance{orders},
		Clusters:     &[]awsrds.IDatabaseCluster{ledger},
		SelectByTag:  &cdkrdsfailsafe.DatabaseTagSelector{Key: jsii.String("dr"), Value: jsii.String("failsafe")},
		Retention:    awscdk.Duration_Days(jsii.Number(3)),
	})

	failsafeStack := awscdk.NewStack(app, jsii.String("Failsafe"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String(failsafe), Region: jsii.String(region)},
	})
	topicArn := "arn:aws:sns:" + region + ":" + live + ":rds-failsafe-shipper"
	vault := cdkrdsfailsafe.NewRdsSnapshotVault(failsafeStack, jsii.String("Vault"), &cdkrdsfailsafe.RdsSnapshotVaultProps{
		Sources:       &[]*cdkrdsfailsafe.SnapshotSource{{TopicArn: jsii.String(topicArn)}},
		Retention:     awscdk.Duration_Days(jsii.Number(31)),
		MinimumCopies: jsii.Number(3),
		Alarms: &cdkrdsfailsafe.VaultAlarmsOptions{
			RecoveryPoint: &cdkrdsfailsafe.AgeAlarmOptions{MaxAge: awscdk.Duration_Hours(jsii.Number(30))},
		},
	})

	dir := *app.Synth(nil).Directory()
	for _, stack := range []string{"Live", "Failsafe"} {
		t, raw := readTemplate(dir, stack)
		size := int64(0)
		runtime := false
		for _, r := range t.Resources {
			if r.Type != "AWS::Lambda::Function" {
				continue
			}
			runtime = r.Properties["Runtime"] == "nodejs24.x"
			code, _ := r.Properties["Code"].(map[string]interface{})
			key, _ := code["S3Key"].(string)
			if info, err := os.Stat(filepath.Join(dir, assetPath(dir, stack, strings.TrimSuffix(key, ".zip")), "index.js")); err == nil {
				size = info.Size()
			}
		}
		check(fmt.Sprintf("%s: the handler's code asset is present and non-empty (%d bytes)", stack, size), size > 1000)
		check(stack+": the handler runs on Node.js 24", runtime && strings.Contains(raw, `"Runtime": "nodejs24.x"`))
	}

	liveTemplate, liveRaw := readTemplate(dir, "Live")
	check("Live: the topic is named and encrypted, the shipping key rotates",
		hasResource(liveTemplate, "AWS::SNS::Topic", map[string]interface{}{"TopicName": "rds-failsafe-shipper", "KmsMasterKeyId": nil}) &&
			hasResource(liveTemplate, "AWS::KMS::Key", map[string]interface{}{"EnableKeyRotation": true}))
	check("Live: shipper.Topic() and ShippingKey() are usable from Go", shipper.Topic() != nil && shipper.ShippingKey() != nil)
	check("Live: the Aurora cluster brought the cluster copy permission", strings.Contains(liveRaw, "rds:CopyDBClusterSnapshot"))

	failsafeTemplate, failsafeRaw := readTemplate(dir, "Failsafe")
	check("Failsafe: the vault's announcement queue is subscribed to the Live topic",
		hasResource(failsafeTemplate, "AWS::SNS::Subscription", map[string]interface{}{"Protocol": "sqs", "TopicArn": topicArn}) && vault.AnnouncementQueue() != nil)
	sources := vault.SourceAccounts()
	check("Failsafe: vault.VaultKey() and SourceAccounts() are usable from Go",
		vault.VaultKey() != nil && sources != nil && len(*sources) == 1 && *(*sources)[0] == live)
	check("Failsafe: the alarms options reached the recovery-point alarm, and the alarms are usable from Go",
		strings.Contains(failsafeRaw, `"Threshold": 108000`) && len(*vault.RecoveryPointAlarms()) == 1 && vault.FailureAlarm() != nil)

	func() {
		defer func() {
			r := recover()
			check("bad props raise a clear error in Go", r != nil && strings.Contains(fmt.Sprint(r), "sources must name at least one shipper topic"))
		}()
		cdkrdsfailsafe.NewRdsSnapshotVault(awscdk.NewStack(app, jsii.String("Bad"), nil), jsii.String("Vault"), &cdkrdsfailsafe.RdsSnapshotVaultProps{
			Sources: &[]*cdkrdsfailsafe.SnapshotSource{},
		})
	}()

	fmt.Printf("go smoke: %d passed, %d failed\n", passed, failed)
	if failed > 0 {
		os.Exit(1)
	}
}
