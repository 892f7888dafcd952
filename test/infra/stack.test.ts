import { TASK_LAMBDAS } from "../../app/tasks/registry.js";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Stack, type CfnElement } from "aws-cdk-lib";
import { Topic } from "aws-cdk-lib/aws-sns";
import { Match, Template } from "aws-cdk-lib/assertions";
import type { PolicyValidationPluginReport } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import type { IConstruct } from "constructs";
import { MACHINES } from "../../app/dispatch/machines.js";
import { PROJECT_ROOT } from "../../infra/bundling.js";
import { OrgFlowsStack, propsFromContext } from "../../infra/stack.js";
import { placeholders } from "../../infra/substitutions.js";

type Json = Record<string, unknown>;
interface Resource {
  Type: string;
  Properties: Json;
  Metadata?: Json;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Principal?: unknown;
  Condition?: unknown;
}

// The same feature flags as `cdk synth` (infra/cdk.json), and asset paths in the template to find the bundles.
const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, "infra", "cdk.json"), "utf8")) as { context: Json };

let app: App;
let stack: OrgFlowsStack;
let template: Template;
let resources: Record<string, Resource>;
let express: Template;
let directory: OrgFlowsStack;
let nag: PolicyValidationPluginReport;

beforeAll(() => {
  app = new App({ context: { ...cdkJson.context, "aws:cdk:enable-asset-metadata": true } });
  stack = new OrgFlowsStack(app, "OrgFlows", { notificationEmail: "admins@example.com" });
  const expressStack = new OrgFlowsStack(app, "OrgFlowsExpress", { workflowRunCostType: "EXPRESS", redeliveryRateMinutes: 5 });
  const people = join(mkdtempSync(join(tmpdir(), "directory-")), "people.csv");
  writeFileSync(people, "login,email\noctocat,octocat@example.com\n");
  directory = new OrgFlowsStack(app, "OrgFlowsDirectory", {
    directoryFile: people,
    directoryScimUrl: "https://idp.example.com/scim/v2",
    gheHost: "ghe.example.com",
  });
  template = Template.fromStack(stack);
  express = Template.fromStack(expressStack);
  resources = template.toJSON().Resources as Record<string, Resource>;
  Template.fromStack(directory);
  nag = new AwsSolutionsChecks(app).validateScope(app);
}, 240_000);

/** The template's logical id of a construct (its CloudFormation resource). */
const logicalId = (construct: IConstruct): string => stack.getLogicalId(construct.node.defaultChild as CfnElement);
const fnId = (key: keyof OrgFlowsStack["functions"]): string => logicalId(stack.functions[key]);
const machineId = (key: keyof OrgFlowsStack["machines"]): string => logicalId(stack.machines[key]);
const ofType = (type: string): Array<[string, Resource]> => Object.entries(resources).filter(([, r]) => r.Type === type);
const actions = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const list = (r: unknown): unknown[] => (Array.isArray(r) ? r : [r]);

/** Every statement of every IAM policy attached to the role with this logical id. */
function roleStatements(roleId: string): Statement[] {
  return ofType("AWS::IAM::Policy")
    .filter(([, p]) => (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })))
    .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}
function roleOf(resourceId: string): string {
  const role = resources[resourceId]!.Properties.RoleArn ?? resources[resourceId]!.Properties.Role;
  return (role as { "Fn::GetAtt": string[] })["Fn::GetAtt"][0]!;
}
/** The statements minus what CDK adds for state machine logging and X-Ray (checked separately). */
const LOG_DELIVERY_AND_XRAY = /^(logs:(Create|Delete|Get|Update|List)LogDeliver(y|ies)|logs:Describe(LogGroups|ResourcePolicies)|logs:PutResourcePolicy|xray:)/;
function grants(statements: Statement[]): Array<{ actions: string[]; resource: unknown }> {
  return statements.filter((s) => !actions(s).every((a) => LOG_DELIVERY_AND_XRAY.test(a))).map((s) => ({ actions: actions(s).sort(), resource: s.Resource }));
}
const getAtt = (id: string): Json => ({ "Fn::GetAtt": [id, "Arn"] });
const ref = (id: string): Json => ({ Ref: id });

describe("cdk-nag AwsSolutions", () => {
  test("no unacknowledged finding (errors or warnings)", () => {
    expect(nag.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(", ")}`)).toEqual([]);
    expect(nag.success).toBe(true);
  });

  test("the pack does run: an unencrypted, unacknowledged topic is reported", () => {
    const canary = new App();
    new Topic(new Stack(canary, "Canary"), "Plain");
    expect(new AwsSolutionsChecks(canary).validateScope(canary).violations.map((v) => v.ruleName)).toContain("AwsSolutions-SNS3");
  });
});

describe("Lambda functions", () => {
  test("the webhook and one function per registered task, each nodejs24.x on arm64, ESM bundle, no NODE_OPTIONS (source maps are read when an error is logged)", () => {
    expect(ofType("AWS::Lambda::Function")).toHaveLength(1 + Object.keys(TASK_LAMBDAS).length);
    for (const [key, construct] of Object.entries(stack.functions)) {
      const fn = resources[logicalId(construct)]!;
      expect(fn.Properties).toMatchObject({ Runtime: "nodejs24.x", Architectures: ["arm64"], Handler: "index.handler" });
      // budget-alerts needs no variable at all: then CloudFormation has no Environment.
      const vars = (fn.Properties.Environment as { Variables: Record<string, unknown> } | undefined)?.Variables ?? {};
      expect(Object.keys(vars)).not.toContain("NODE_OPTIONS");
      // The App's credentials everywhere but in computation-only tasks (budget-alerts).
      const secretArn = vars.APP_SECRET_ARN;
      expect([key, secretArn]).toEqual([key, key === "budgetAlerts" ? undefined : ref(logicalId(stack.secret))]);
      expect(fn.Properties.LoggingConfig).toEqual({ LogGroup: ref(logicalId(construct.logGroup)) });
    }
  });

  test("no credential is an environment variable: the secret's ARN only", () => {
    for (const [, fn] of ofType("AWS::Lambda::Function")) {
      const vars = (fn.Properties.Environment as { Variables: Json } | undefined)?.Variables ?? {};
      expect(Object.keys(vars).filter((k) => /KEY|SECRET(?!_ARN)|TOKEN|PASSWORD/i.test(k))).toEqual([]);
    }
    const secret = ofType("AWS::SecretsManager::Secret")[0]![1];
    expect(secret.Properties.SecretString).toBeUndefined();
    expect(secret.Properties.GenerateSecretString).toMatchObject({
      GenerateStringKey: "webhookSecret",
      SecretStringTemplate: JSON.stringify({ appId: "", privateKey: "" }),
    });
  });

  test("the webhook knows the machines it starts; the task functions do not", () => {
    const vars = (id: string): Json => (resources[id]!.Properties.Environment as { Variables: Json }).Variables;
    expect(vars(fnId("webhook"))).toMatchObject({
      [MACHINES.memberOnboarding.env]: ref(machineId("memberOnboarding")),
      [MACHINES.workflowRunCost.env]: ref(machineId("workflowRunCost")),
    });
    expect(Object.keys(vars(fnId("enrichMember")))).not.toContain(MACHINES.memberOnboarding.env);
    expect((resources[fnId("webhook")]!.Properties.Timeout as number) <= 10).toBe(true);
  });

  test("price-run ships rates.json beside its bundle (price.ts reads it from import.meta.url)", () => {
    const assetDir = (id: string): string => join(app.outdir, resources[id]!.Metadata!["aws:asset:path"] as string);
    expect(existsSync(join(assetDir(fnId("priceRun")), "index.mjs"))).toBe(true);
    expect(existsSync(join(assetDir(fnId("priceRun")), "rates.json"))).toBe(true);
    expect(existsSync(join(assetDir(fnId("webhook")), "rates.json"))).toBe(false);
    const bundle = readFileSync(join(assetDir(fnId("webhook")), "index.mjs"), "utf8");
    expect(bundle.startsWith("import{createRequire}from'node:module';const require=createRequire(import.meta.url);")).toBe(true);
    expect(existsSync(join(assetDir(fnId("webhook")), "index.mjs.map"))).toBe(true);
  });

  test("the deployed webhook bundle is within its 800 KB and carries the Lambda substitutes, not what they replace", () => {
    const file = join(app.outdir, resources[fnId("webhook")]!.Metadata!["aws:asset:path"] as string, "index.mjs");
    expect(statSync(file).size).toBeLessThanOrEqual(800 * 1024);
    const sources = (JSON.parse(readFileSync(`${file}.map`, "utf8")) as { sources: string[] }).sources;
    expect(sources.some((s) => s.endsWith("app/lambda-substitutes/aws-credentials.ts"))).toBe(true);
    expect(sources.filter((s) => /node_modules\/(@aws-sdk\/credential-provider-(node|ini|sso)|pino-pretty|bottleneck\/lib)\//.test(s))).toEqual([]);
  });

  test("directory settings from context: the file travels in the enrich-member bundle, the SCIM token never in env", () => {
    const res = Template.fromStack(directory).toJSON().Resources as Record<string, Resource>;
    const enrich = res[directory.getLogicalId(directory.functions.enrichMember.node.defaultChild as CfnElement)]!;
    const vars = (enrich.Properties.Environment as { Variables: Json }).Variables;
    expect(vars).toMatchObject({ DIRECTORY_FILE: "/var/task/people.csv", DIRECTORY_SCIM_URL: "https://idp.example.com/scim/v2", GHE_HOST: "ghe.example.com" });
    expect(vars.DIRECTORY_SCIM_TOKEN).toBeUndefined();
    expect(existsSync(join(app.outdir, enrich.Metadata!["aws:asset:path"] as string, "people.csv"))).toBe(true);
    expect(() => new OrgFlowsStack(new App(), "Missing", { directoryFile: "/nonexistent/people.csv" })).toThrow(/no such file/);
  });
});

describe("state machines", () => {
  test("Standard by default, EXPRESS for workflow-run-cost on request; logging ALL without execution data, X-Ray on", () => {
    template.resourcePropertiesCountIs("AWS::StepFunctions::StateMachine", { StateMachineType: "STANDARD" }, Object.keys(MACHINES).length);
    express.hasResourceProperties("AWS::StepFunctions::StateMachine", { StateMachineName: "OrgFlowsExpress-workflow-run-cost", StateMachineType: "EXPRESS" });
    express.hasResourceProperties("AWS::StepFunctions::StateMachine", { StateMachineName: "OrgFlowsExpress-member-onboarding", StateMachineType: "STANDARD" });
    expect(ofType("AWS::StepFunctions::StateMachine")).toHaveLength(Object.keys(MACHINES).length);
    for (const machine of Object.values(stack.machines)) {
      const logs = stack.node.findChild(`${machine.node.id}Logs`);
      expect(resources[logicalId(machine)]!.Properties).toMatchObject({
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: {
          Level: "ALL",
          IncludeExecutionData: false,
          Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: getAtt(logicalId(logs)) } }],
        },
      });
    }
  });

  test.each(Object.keys(MACHINES) as Array<keyof typeof MACHINES>)("%s: the deployed definition is the ASL file with every placeholder filled", (key) => {
    const m = resources[machineId(key)]!.Properties as { DefinitionString: string; DefinitionSubstitutions: Json };
    const source = readFileSync(join(PROJECT_ROOT, "machines", MACHINES[key].file), "utf8");
    expect(JSON.parse(m.DefinitionString)).toEqual(JSON.parse(source));
    expect(Object.keys(m.DefinitionSubstitutions).sort()).toEqual(placeholders(source).sort());
    // CloudFormation's substitution, applied here: no `${` may survive it, and the ARNs are the stack's resources.
    const deployed = m.DefinitionString.replace(/\$\{(\w+)\}/g, (_, k: string) => `<<${JSON.stringify(m.DefinitionSubstitutions[k])}>>`);
    expect(deployed).not.toContain("${");
    expect(deployed).not.toContain("<<undefined>>");
    const names: Record<keyof typeof MACHINES, Json[]> = {
      memberOnboarding: [getAtt(fnId("enrichMember")), getAtt(fnId("applyTeamRules")), ref(logicalId(stack.table)), ref(logicalId(stack.topic))],
      memberOffboarding: [ref(logicalId(stack.table)), ref(logicalId(stack.topic))],
      teamSync: [getAtt(fnId("syncMemberTeams")), ref(logicalId(stack.topic))],
      workflowRunCost: [getAtt(fnId("priceRun")), ref(logicalId(stack.table)), ref(logicalId(stack.topic))],
      backfill: [getAtt(fnId("listRepositories")), ref(machineId("backfillRepositories"))],
      backfillRepositories: [getAtt(fnId("listRepositories")), ref(machineId("backfillRepository"))],
      backfillRepository: [ref(machineId("backfillPage"))],
      backfillPage: [getAtt(fnId("listRuns")), ref(machineId("workflowRunCost"))],
      memberBackfill: [getAtt(fnId("listMembers")), ref(machineId("memberBackfillPage")), ref(logicalId(stack.topic))],
      memberBackfillPage: [getAtt(fnId("listMembers")), getAtt(fnId("syncMemberTeams")), ref(machineId("memberOnboarding")), ref(logicalId(stack.table))],
      redelivery: [getAtt(fnId("listDeliveries")), getAtt(fnId("redeliver")), ref(logicalId(stack.table)), ref(logicalId(stack.topic))],
    };
    for (const arn of names[key]) expect(deployed).toContain(JSON.stringify(arn));
  });

  test("three alarms (inside CloudWatch's 10 free): the failure rule's undelivered notifications, webhook crashes or 5xx, 4xx bursts; one more per Express machine", () => {
    const alarms = (t: Template) => Object.values(t.findResources("AWS::CloudWatch::Alarm")) as Resource[];
    expect(alarms(template)).toHaveLength(3);
    // A Standard execution's failure is the status-change rule's message: an alarm as well would say it twice.
    expect(JSON.stringify(alarms(template))).not.toContain("AWS/States");
    const rule = Object.keys(template.findResources("AWS::Events::Rule"))[0]!;
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "FailedInvocations",
      Namespace: "AWS/Events",
      Dimensions: [{ Name: "RuleName", Value: ref(rule) }],
      AlarmActions: [ref(logicalId(stack.topic))],
    });
    const metricsOf = (alarm: Resource) =>
      ((alarm.Properties.Metrics ?? []) as Array<{ Expression?: string; MetricStat?: { Metric: { MetricName: string; Namespace: string; Dimensions: Json } } }>)
        .filter((m) => m.MetricStat)
        .map((m) => [m.MetricStat!.Metric.Namespace, m.MetricStat!.Metric.MetricName, m.MetricStat!.Metric.Dimensions]);
    const math = alarms(template).filter((a) => a.Properties.Metrics);
    expect(math.map(metricsOf)).toEqual([
      [
        ["AWS/Lambda", "Errors", [{ Name: "FunctionName", Value: ref(fnId("webhook")) }]],
        ["AWS/ApiGateway", "5xx", expect.anything()],
      ],
    ]);
    template.hasResourceProperties("AWS::CloudWatch::Alarm", { MetricName: "4xx", Namespace: "AWS/ApiGateway", Threshold: 25 });
    // A task Lambda's failed invocation is retried by its machine: only an execution that fails needs a person.
    expect(JSON.stringify(alarms(template))).not.toContain(JSON.stringify(ref(fnId("priceRun"))));

    // Express sends no status-change events: its failures, time-outs and aborts in one alarm.
    const expressAlarms = alarms(express).filter((a) => JSON.stringify(a).includes("AWS/States"));
    expect(expressAlarms).toHaveLength(1);
    expect(metricsOf(expressAlarms[0]!).map(([, name]) => name)).toEqual(["ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"]);
    expect(alarms(express)).toHaveLength(4);
  });

  test("the README's cost table counts the alarms and the fixed resources this stack synthesizes", () => {
    const readme = readFileSync(join(PROJECT_ROOT, "README.md"), "utf8");
    const count = (t: Template, type: string) => Object.keys(t.findResources(type)).length;
    expect(readme).toContain(
      `| CloudWatch alarms (${count(template, "AWS::CloudWatch::Alarm")}; ${count(express, "AWS::CloudWatch::Alarm")} with an Express workflow-run-cost) |`,
    );
    // $1.00 a key and $0.40 a secret a month: the "$1.40 of it" the README's total names.
    expect([count(template, "AWS::KMS::Key"), count(template, "AWS::SecretsManager::Secret")]).toEqual([1, 1]);
    expect(readme).toContain("$1.40 of it the KMS key and the secret");
    const [schedule] = Object.values(template.findResources("AWS::Scheduler::Schedule")) as Resource[];
    expect(schedule!.Properties.ScheduleExpression).toBe("rate(1 hour)");
    expect(readme).toContain("720 quiet sweeps x 5");
  });

  test("an execution that ends FAILED, TIMED_OUT or ABORTED is notified on the topic by an EventBridge rule", () => {
    template.hasResourceProperties("AWS::Events::Rule", {
      EventPattern: {
        source: ["aws.states"],
        "detail-type": ["Step Functions Execution Status Change"],
        // top-level executions only: a child's input names its parent
        detail: { status: ["FAILED", "TIMED_OUT", "ABORTED"], input: [{ "anything-but": { wildcard: '*"AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID"*' } }] },
      },
      Targets: [{ Arn: ref(logicalId(stack.topic)), InputTransformer: { InputPathsMap: { "detail-name": "$.detail.name" } } }],
    });
  });
});

describe("data, notifications, logs", () => {
  test("the table: keys and gsi1 from app/store/table.ts, on demand, PITR, deletion protection, retained", () => {
    const [, table] = ofType("AWS::DynamoDB::Table")[0]!;
    expect(table.Properties).toMatchObject({
      BillingMode: "PAY_PER_REQUEST",
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
      GlobalSecondaryIndexes: [
        {
          IndexName: "gsi1",
          KeySchema: [
            { AttributeName: "gsi1pk", KeyType: "HASH" },
            { AttributeName: "gsi1sk", KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "ALL" },
        },
      ],
    });
    expect(table.DeletionPolicy).toBe("Retain");
    expect(table.UpdateReplacePolicy).toBe("Retain");
  });

  test("the topic: KMS key with rotation, SSL-only publishing, alarms allowed in, optional email subscription", () => {
    template.hasResourceProperties("AWS::SNS::Topic", { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties("AWS::KMS::Key", { EnableKeyRotation: true });
    const [, policy] = ofType("AWS::SNS::TopicPolicy")[0]!;
    const statements = (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
    expect(statements).toContainEqual(expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }));
    expect(statements).toContainEqual(expect.objectContaining({ Effect: "Allow", Principal: { Service: "cloudwatch.amazonaws.com" } }));
    template.hasResourceProperties("AWS::SNS::Subscription", { Protocol: "email", Endpoint: "admins@example.com" });
    express.resourceCountIs("AWS::SNS::Subscription", 0);
  });

  test("EventBridge may publish to the topic and use its key only for this stack's rule in this account (aws:SourceArn, aws:SourceAccount)", () => {
    const policies = [
      ...ofType("AWS::SNS::TopicPolicy").map(([, r]) => r.Properties.PolicyDocument),
      ...ofType("AWS::KMS::Key").map(([, r]) => r.Properties.KeyPolicy),
    ] as Array<{ Statement: Statement[] }>;
    const fromEvents = policies.flatMap((p) => p.Statement).filter((st) => JSON.stringify(st.Principal ?? "").includes("events.amazonaws.com"));
    expect(fromEvents.length).toBe(2);
    const rule = ofType("AWS::Events::Rule").find(([, r]) => JSON.stringify(r.Properties).includes("Step Functions Execution Status Change"))![1];
    const name = rule.Properties.Name as string;
    expect(name).toMatch(/-ExecutionFailed$/);
    for (const st of fromEvents) {
      const c = st.Condition as { StringEquals: Json; ArnEquals: Json };
      expect(c.StringEquals).toEqual({ "aws:SourceAccount": { Ref: "AWS::AccountId" } });
      expect(JSON.stringify(c.ArnEquals["aws:SourceArn"])).toContain(`:rule/${name}`);
    }
  });

  test("every log group has a retention; the API logs access without headers or bodies", () => {
    const groups = ofType("AWS::Logs::LogGroup");
    expect(groups.length).toBe(1 + Object.keys(TASK_LAMBDAS).length + Object.keys(MACHINES).length + 1); // functions, machines, API access logs
    for (const [, g] of groups) expect(g.Properties.RetentionInDays).toEqual(30);
    template.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      StageName: "$default",
      AutoDeploy: true,
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp("requestId") },
      DefaultRouteSettings: { ThrottlingRateLimit: Match.anyValue(), ThrottlingBurstLimit: Match.anyValue() },
    });
    const format = JSON.stringify(template.findResources("AWS::ApiGatewayV2::Stage"));
    expect(format).not.toMatch(/\$context\.(requestBody|header)|\$input/);
  });

  test("POST /api/github/webhooks -> the webhook Lambda (payload format 2.0), and the outputs", () => {
    template.hasResourceProperties("AWS::ApiGatewayV2::Route", { RouteKey: "POST /api/github/webhooks" });
    template.hasResourceProperties("AWS::ApiGatewayV2::Integration", {
      IntegrationType: "AWS_PROXY",
      PayloadFormatVersion: "2.0",
      IntegrationUri: getAtt(fnId("webhook")),
    });
    const outputs = template.toJSON().Outputs as Json;
    expect(Object.keys(outputs).sort()).toEqual(
      [
        "AppSecretArn",
        "BackfillStateMachineArn",
        "MemberBackfillStateMachineArn",
        "MemberOffboardingStateMachineArn",
        "MemberOnboardingStateMachineArn",
        "RedeliveryStateMachineArn",
        "TableName",
        "TeamSyncStateMachineArn",
        "TopicArn",
        "WebhookUrl",
        "WorkflowRunCostStateMachineArn",
      ].sort(),
    );
    expect(JSON.stringify(outputs.WebhookUrl)).toContain("/api/github/webhooks");
  });
});

describe("least privilege", () => {
  const topicKey = (): Json => getAtt(logicalId(stack.topic.masterKey!));

  test("states:StartExecution: the webhook on exactly the machines it starts (not team-sync), each parent machine on exactly its child, the schedule on the redelivery machine, never `*`", () => {
    const starts = ofType("AWS::IAM::Policy")
      .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
      .filter((s) => actions(s).includes("states:StartExecution"));
    expect(starts.map((s) => list(s.Resource))).toEqual([
      [ref(machineId("memberOffboarding")), ref(machineId("memberOnboarding")), ref(machineId("workflowRunCost"))],
      [ref(machineId("workflowRunCost"))],
      [ref(machineId("backfillPage"))],
      [ref(machineId("backfillRepository"))],
      [ref(machineId("backfillRepositories"))],
      [ref(machineId("memberOnboarding"))],
      [ref(machineId("memberBackfillPage"))],
      // the redelivery schedule's role
      [ref(machineId("redelivery"))],
    ]);
    expect(grants(roleStatements(roleOf(fnId("webhook"))))).toEqual([
      { actions: ["logs:CreateLogStream", "logs:PutLogEvents"], resource: getAtt(logicalId(stack.functions.webhook.logGroup)) },
      { actions: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"], resource: ref(logicalId(stack.secret)) },
      { actions: ["dynamodb:Query"], resource: getAtt(logicalId(stack.table)) },
      { actions: ["states:StartExecution"], resource: list(starts[0]!.Resource) },
    ]);
  });

  test.each(["enrichMember", "applyTeamRules", "syncMemberTeams"] as const)(
    "%s reads the secret and writes its own logs, nothing else (no table access)",
    (key) => {
      expect(grants(roleStatements(roleOf(fnId(key))))).toEqual([
        { actions: ["logs:CreateLogStream", "logs:PutLogEvents"], resource: getAtt(logicalId(stack.functions[key].logGroup)) },
        { actions: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"], resource: ref(logicalId(stack.secret)) },
      ]);
    },
  );

  test("priceRun reads the secret, writes its own logs and only reads the table (GetItem: the remembered settings)", () => {
    expect(grants(roleStatements(roleOf(fnId("priceRun"))))).toEqual([
      { actions: ["logs:CreateLogStream", "logs:PutLogEvents"], resource: getAtt(logicalId(stack.functions.priceRun.logGroup)) },
      { actions: ["dynamodb:GetItem"], resource: getAtt(logicalId(stack.table)) },
      { actions: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"], resource: ref(logicalId(stack.secret)) },
    ]);
  });

  test("budget-alerts writes its own logs and only reads the table (GetItem: the month-to-date), not even the secret", () => {
    expect(grants(roleStatements(roleOf(fnId("budgetAlerts"))))).toEqual([
      { actions: ["logs:CreateLogStream", "logs:PutLogEvents"], resource: getAtt(logicalId(stack.functions.budgetAlerts.logGroup)) },
      { actions: ["dynamodb:GetItem"], resource: getAtt(logicalId(stack.table)) },
    ]);
  });

  test("member-onboarding: invoke enrich-member, PutItem, Publish (+ the topic key), exactly what its ASL uses", () => {
    expect(grants(roleStatements(roleOf(machineId("memberOnboarding"))))).toEqual([
      { actions: ["lambda:InvokeFunction"], resource: [getAtt(fnId("applyTeamRules")), getAtt(fnId("enrichMember"))] },
      { actions: ["dynamodb:PutItem"], resource: getAtt(logicalId(stack.table)) },
      { actions: ["sns:Publish"], resource: ref(logicalId(stack.topic)) },
      { actions: ["kms:Decrypt", "kms:GenerateDataKey"], resource: topicKey() },
    ]);
  });

  test("workflow-run-cost: invoke price-run and budget-alerts, the transaction's item actions + GetItem, Publish (+ the topic key)", () => {
    expect(grants(roleStatements(roleOf(machineId("workflowRunCost"))))).toEqual([
      { actions: ["lambda:InvokeFunction"], resource: [getAtt(fnId("budgetAlerts")), getAtt(fnId("priceRun"))] },
      { actions: ["dynamodb:ConditionCheckItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], resource: getAtt(logicalId(stack.table)) },
      { actions: ["sns:Publish"], resource: ref(logicalId(stack.topic)) },
      { actions: ["kms:Decrypt", "kms:GenerateDataKey"], resource: topicKey() },
    ]);
  });

  test("member-offboarding: UpdateItem and PutItem on the table, Publish (+ the topic key); team-sync: invoke sync-member-teams, Publish", () => {
    expect(grants(roleStatements(roleOf(machineId("memberOffboarding"))))).toEqual([
      { actions: ["dynamodb:PutItem", "dynamodb:UpdateItem"], resource: getAtt(logicalId(stack.table)) },
      { actions: ["sns:Publish"], resource: ref(logicalId(stack.topic)) },
      { actions: ["kms:Decrypt", "kms:GenerateDataKey"], resource: topicKey() },
    ]);
    expect(grants(roleStatements(roleOf(machineId("teamSync"))))).toEqual([
      { actions: ["lambda:InvokeFunction"], resource: getAtt(fnId("syncMemberTeams")) },
      { actions: ["sns:Publish"], resource: ref(logicalId(stack.topic)) },
      { actions: ["kms:Decrypt", "kms:GenerateDataKey"], resource: topicKey() },
    ]);
  });

  test("backfill-page: invoke list-runs, start workflow-run-cost children and what .sync:2 needs (their executions, the managed rule)", () => {
    const arn = (service: string, resource: string): Json => ({
      "Fn::Join": ["", ["arn:", ref("AWS::Partition"), `:${service}:`, ref("AWS::Region"), ":", ref("AWS::AccountId"), resource]],
    });
    expect(grants(roleStatements(roleOf(machineId("backfillPage"))))).toEqual([
      { actions: ["lambda:InvokeFunction"], resource: getAtt(fnId("listRuns")) },
      { actions: ["states:StartExecution"], resource: ref(machineId("workflowRunCost")) },
      { actions: ["states:DescribeExecution", "states:StopExecution"], resource: arn("states", ":execution:OrgFlows-workflow-run-cost:*") },
      {
        actions: ["events:DescribeRule", "events:PutRule", "events:PutTargets"],
        resource: arn("events", ":rule/StepFunctionsGetEventsForStepFunctionsExecutionRule"),
      },
    ]);
  });

  test("redelivery: invoke its two tasks, the count/cursor/marker/lease item actions, Publish (+ the topic key); nothing else", () => {
    expect(grants(roleStatements(roleOf(machineId("redelivery"))))).toEqual([
      // DeleteItem: the sweep's holder releases its lease at the end.
      { actions: ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], resource: getAtt(logicalId(stack.table)) },
      { actions: ["lambda:InvokeFunction"], resource: [getAtt(fnId("listDeliveries")), getAtt(fnId("redeliver"))] },
      { actions: ["sns:Publish"], resource: ref(logicalId(stack.topic)) },
      { actions: ["kms:Decrypt", "kms:GenerateDataKey"], resource: topicKey() },
    ]);
  });

  test("the redelivery sweep hourly by default, every 5 minutes on request (EventBridge Scheduler), whose role may start exactly the redelivery machine", () => {
    const [[, schedule]] = ofType("AWS::Scheduler::Schedule") as [[string, Resource]];
    express.hasResourceProperties("AWS::Scheduler::Schedule", { ScheduleExpression: "rate(5 minutes)" });
    expect(schedule.Properties).toMatchObject({
      ScheduleExpression: "rate(1 hour)",
      State: "ENABLED",
      Target: { Arn: ref(machineId("redelivery")), Input: "{}" },
    });
    const roleId = (schedule.Properties.Target as { RoleArn: { "Fn::GetAtt": string[] } }).RoleArn["Fn::GetAtt"][0]!;
    expect(grants(roleStatements(roleId))).toEqual([{ actions: ["states:StartExecution"], resource: ref(machineId("redelivery")) }]);
  });

  test("the only `*` resource is CDK's log-delivery and X-Ray statement on the machine roles; no wildcard action", () => {
    for (const [id, p] of ofType("AWS::IAM::Policy")) {
      for (const s of (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement) {
        expect(actions(s).filter((a) => a.includes("*"))).toEqual([]);
        if (list(s.Resource).includes("*")) {
          expect({ id, actions: actions(s).filter((a) => !LOG_DELIVERY_AND_XRAY.test(a)) }).toEqual({ id, actions: [] });
        }
      }
    }
  });
});

describe("context", () => {
  test("context values become props; typos fail the synth", () => {
    const ctx = (values: Json) => (key: string) => values[key];
    expect(propsFromContext(ctx({}))).toEqual({ workflowRunCostType: "STANDARD" });
    expect(propsFromContext(ctx({ workflowRunCostType: "express", notificationEmail: "a@b.co", logRetentionDays: "90", gheHost: "ghe.example.com" }))).toEqual({
      workflowRunCostType: "EXPRESS",
      notificationEmail: "a@b.co",
      logRetention: 90,
      gheHost: "ghe.example.com",
    });
    expect(() => propsFromContext(ctx({ workflowRunCostType: "FAST" }))).toThrow(/STANDARD or EXPRESS/);
    expect(() => propsFromContext(ctx({ notificationEmail: "nobody" }))).toThrow(/email/);
    expect(() => propsFromContext(ctx({ logRetentionDays: "31" }))).toThrow(/retention/);
    expect(() => propsFromContext(ctx({ directoryScimUrl: "http://idp" }))).toThrow(/https/);
    expect(propsFromContext(ctx({ redeliveryRateMinutes: "15" }))).toMatchObject({ redeliveryRateMinutes: 15 });
    for (const bad of ["0", "4", "1441", "7.5", "hourly"]) {
      expect(() => propsFromContext(ctx({ redeliveryRateMinutes: bad }))).toThrow(/redeliveryRateMinutes=.*whole minutes from 5 to 1440/);
    }
  });
});
