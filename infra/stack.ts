import { existsSync, readFileSync } from "node:fs";
import { basename, isAbsolute, join, resolve } from "node:path";
import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import * as apigw from "aws-cdk-lib/aws-apigatewayv2";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as events from "aws-cdk-lib/aws-events";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { NodejsFunction, OutputFormat, type ICommandHooks } from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import * as scheduler from "aws-cdk-lib/aws-scheduler";
import { StepFunctionsStartExecution } from "aws-cdk-lib/aws-scheduler-targets";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as sns from "aws-cdk-lib/aws-sns";
import { EmailSubscription, LambdaSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import type { Construct } from "constructs";
import { MACHINES, machinePlaceholder, WEBHOOK_MACHINES, type MachineKey } from "../app/dispatch/machines.js";
import { UNSUCCESSFUL_STATUSES } from "../app/executions/status.js";
import { failedExecutionMessage } from "../app/notifications/failed-execution.js";
import { STARTED_BY } from "../app/executions/query.js";
import { TABLE } from "../app/store/table.js";
import { SYNC_MANAGED_RULE, taskPermissions, usedSubstitutions } from "./asl-permissions.js";
import { TASK_LAMBDAS, type TaskKey, type TaskLambda } from "../app/tasks/registry.js";
import { BUNDLE, CHAT_NOTIFY_ENTRY, entryPath, ESBUILD_ARGS, PROJECT_ROOT, WEBHOOK_ENTRY } from "./bundling.js";
import { chatChannels, chatChannelsFromContext, type ChatChannels } from "./chat.js";
import type { SubstitutionKey, Substitutions } from "./substitutions.js";

export type WorkflowType = "STANDARD" | "EXPRESS";

export interface OrgFlowsStackProps extends StackProps {
  /** Subscribed to the notification topic (the address must confirm the subscription). */
  notificationEmail?: string;
  /** workflow-run-cost runs often and briefly: EXPRESS is cheaper at volume, STANDARD keeps a 90-day history. */
  workflowRunCostType?: WorkflowType;
  /** GitHub Enterprise Server host name; github.com when unset. */
  gheHost?: string;
  /** Teams for orgs without `.github/onboarding.yml` (comma-separated slugs). */
  defaultTeams?: string;
  /** SCIM 2.0 base URL of the company directory; its bearer token lives in the app secret (`directoryScimToken`). */
  directoryScimUrl?: string;
  /** A JSON/CSV directory file on this machine, shipped inside the enrich-member bundle. */
  directoryFile?: string;
  logRetention?: logs.RetentionDays;
  /** Slack / Microsoft Teams channels of Amazon Q Developer in chat applications that receive every notification. */
  chat?: ChatChannels;
  /** An incoming webhook of any other chat receives every notification; its URL is the app secret's notifyWebhookUrl. */
  chatWebhook?: boolean;
  /** Minutes between two scheduled redelivery sweeps (default REDELIVERY_RATE_MINUTES). */
  redeliveryRateMinutes?: number;
}

const MACHINES_DIR = join(PROJECT_ROOT, "machines");
/**
 * How often the deployed redelivery sweep runs by default (the embedded default: REDELIVERY_INTERVAL_MINUTES). GitHub
 * keeps a failed delivery redeliverable for 3 days, so any rate well inside that loses nothing; hourly, a quiet sweep's
 * 5 billed transitions make 3,600 a month, inside Step Functions' 4,000 free ones. `-c redeliveryRateMinutes=5`
 * redelivers sooner for about 43,200 a month ($1.08).
 */
export const REDELIVERY_RATE_MINUTES = 60;
/** Scheduled sweeps: at least every 5 minutes apart (a sweep's lease lasts 25), at most a day (the window is 3). */
const REDELIVERY_RATE_RANGE = { min: 5, max: 1440 } as const;
const WEBHOOK_PATH = "/api/github/webhooks";

/**
 * The deployed form of the app: an HTTP API in front of the webhook Lambda, the state machines from
 * machines/*.asl.json with their task Lambdas, the table, the notification topic, the App's secret, and alarms.
 * Every grant is written out and matches what the code and the ASL actually call.
 */
export class OrgFlowsStack extends Stack {
  readonly table: dynamodb.Table;
  readonly topic: sns.Topic;
  readonly secret: secretsmanager.Secret;
  readonly functions: Record<"webhook" | TaskKey, NodejsFunction>;
  readonly machines: Record<MachineKey, sfn.StateMachine>;
  readonly api: apigw.HttpApi;
  /** The topic's chat subscriber and the chat channels' topic, when chat context is given. */
  readonly chat?: { fn: NodejsFunction; topic?: sns.Topic };
  private readonly retention: logs.RetentionDays;

  constructor(scope: Construct, id: string, props: OrgFlowsStackProps = {}) {
    super(scope, id, { description: "org-flows: GitHub App webhooks -> Step Functions (member onboarding, workflow-run cost)", ...props });
    this.retention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;

    this.table = new dynamodb.Table(this, "Table", {
      partitionKey: { name: TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      // Member records and chargeback history outlive the stack: deleting the stack leaves the table.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: TABLE.index.name,
      partitionKey: { name: TABLE.index.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE.index.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });

    this.topic = this.notificationTopic(props.notificationEmail);

    this.secret = new secretsmanager.Secret(this, "AppSecret", {
      description:
        'GitHub App credentials, JSON {"appId","privateKey","webhookSecret"} (optional "directoryScimToken", "notifyWebhookUrl"). ' +
        "Fill with: npx org-flows setup aws",
      // A placeholder the app refuses ("the app secret lacks appId, privateKey") until it is filled; the webhook
      // secret is generated so that it is strong even if it is kept.
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ appId: "", privateKey: "" }),
        generateStringKey: "webhookSecret",
        excludePunctuation: true,
        passwordLength: 48,
      },
    });

    const common = { APP_SECRET_ARN: this.secret.secretArn, ...(props.gheHost ? { GHE_HOST: props.gheHost } : {}) };
    const directory = this.directoryEnvironment(props);
    const tasks = Object.fromEntries(
      (Object.entries(TASK_LAMBDAS) as [TaskKey, TaskLambda][]).map(([key, task]) => [key, this.taskFunction(task, common, directory)]),
    ) as Record<TaskKey, NodejsFunction>;
    this.functions = {
      ...tasks,
      webhook: this.nodeFunction("Webhook", WEBHOOK_ENTRY, {
        description: "GitHub webhook receiver: team adds, then StartExecution",
        // GitHub waits 10 s for an answer and never retries on its own; more time would be wasted.
        timeout: Duration.seconds(10),
        // CPU scales with memory: Probot's cold start is CPU-bound, and each delivery lasts well under a second.
        memorySize: 1024,
        // TABLE_NAME: the config check on pull requests matches directory rules against the stored members.
        environment: { ...common, TABLE_NAME: this.table.tableName, ...(props.defaultTeams ? { DEFAULT_TEAMS: props.defaultTeams } : {}) },
      }),
    };
    // The App's credentials only where GitHub is called: a computation-only task gets neither the ARN nor the grant.
    for (const [key, fn] of Object.entries(this.functions)) {
      if (key in TASK_LAMBDAS && (TASK_LAMBDAS[key as TaskKey].needs as readonly string[]).includes("computeOnly")) continue;
      this.secret.grantRead(fn);
    }
    if (props.chat?.slack || props.chat?.teams || props.chatWebhook) this.chat = this.chatNotifications(props.chat ?? {}, props.chatWebhook === true);
    // Read only, one org's partition at a time (Query); the writes stay with the state machines.
    this.functions.webhook.addToRolePolicy(new iam.PolicyStatement({ actions: ["dynamodb:Query"], resources: [this.table.tableArn] }));

    const substitutions = {
      ...Object.fromEntries((Object.entries(TASK_LAMBDAS) as [TaskKey, TaskLambda][]).map(([key, t]) => [t.placeholder, this.functions[key].functionArn])),
      TableName: this.table.tableName,
      TopicArn: this.topic.topicArn,
    } as Substitutions;
    // What each placeholder names, as IAM wants it: a table is granted by its ARN, not its name.
    const resourceArns: Substitutions = { ...substitutions, TableName: this.table.tableArn };
    // Children before parents: a parent's definition and grants name its children's ARNs.
    const machine = (key: MachineKey, id: string, type = sfn.StateMachineType.STANDARD): sfn.StateMachine => {
      const m = this.stateMachine(key, id, type, substitutions, resourceArns);
      substitutions[machinePlaceholder(key)] = m.stateMachineArn;
      resourceArns[machinePlaceholder(key)] = m.stateMachineArn;
      return m;
    };
    const memberOnboarding = machine("memberOnboarding", "MemberOnboarding");
    const workflowRunCost = machine(
      "workflowRunCost",
      "WorkflowRunCost",
      props.workflowRunCostType === "EXPRESS" ? sfn.StateMachineType.EXPRESS : sfn.StateMachineType.STANDARD,
    );
    const backfillPage = machine("backfillPage", "BackfillPage");
    const backfillRepository = machine("backfillRepository", "BackfillRepository");
    const backfillRepositories = machine("backfillRepositories", "BackfillRepositories");
    const backfill = machine("backfill", "Backfill");
    const memberOffboarding = machine("memberOffboarding", "MemberOffboarding");
    const teamSync = machine("teamSync", "TeamSync");
    const redelivery = machine("redelivery", "Redelivery");
    const memberBackfillPage = machine("memberBackfillPage", "MemberBackfillPage");
    const memberBackfill = machine("memberBackfill", "MemberBackfill");
    this.machines = {
      memberOnboarding,
      workflowRunCost,
      backfillPage,
      backfillRepository,
      backfillRepositories,
      backfill,
      memberOffboarding,
      teamSync,
      redelivery,
      memberBackfillPage,
      memberBackfill,
    };
    this.redeliverySchedule(redelivery, props.redeliveryRateMinutes ?? REDELIVERY_RATE_MINUTES);
    for (const key of WEBHOOK_MACHINES) {
      const machine = this.machines[key];
      this.functions.webhook.addEnvironment(MACHINES[key].env, machine.stateMachineArn);
      this.functions.webhook.addToRolePolicy(new iam.PolicyStatement({ actions: ["states:StartExecution"], resources: [machine.stateMachineArn] }));
    }

    this.api = this.webhookApi(this.functions.webhook);
    this.alarms(this.failureNotifications());

    new CfnOutput(this, "WebhookUrl", { value: `${this.api.apiEndpoint}${WEBHOOK_PATH}`, description: "Paste into the GitHub App's Webhook URL" });
    new CfnOutput(this, "TableName", { value: this.table.tableName, description: "TABLE_NAME for the report/members CLIs" });
    new CfnOutput(this, "MemberOnboardingStateMachineArn", { value: this.machines.memberOnboarding.stateMachineArn });
    new CfnOutput(this, "WorkflowRunCostStateMachineArn", { value: this.machines.workflowRunCost.stateMachineArn });
    new CfnOutput(this, "MemberOffboardingStateMachineArn", { value: this.machines.memberOffboarding.stateMachineArn });
    new CfnOutput(this, "TeamSyncStateMachineArn", {
      value: this.machines.teamSync.stateMachineArn,
      description: "TEAM_SYNC_STATE_MACHINE_ARN for sync-teams --apply",
    });
    new CfnOutput(this, "BackfillStateMachineArn", {
      value: this.machines.backfill.stateMachineArn,
      description: "BACKFILL_STATE_MACHINE_ARN for the backfill command",
    });
    new CfnOutput(this, "MemberBackfillStateMachineArn", {
      value: this.machines.memberBackfill.stateMachineArn,
      description: "MEMBER_BACKFILL_STATE_MACHINE_ARN for backfill --members",
    });
    new CfnOutput(this, "RedeliveryStateMachineArn", {
      value: this.machines.redelivery.stateMachineArn,
      description: "REDELIVERY_STATE_MACHINE_ARN for the redeliver command",
    });
    new CfnOutput(this, "AppSecretArn", { value: this.secret.secretArn, description: "Filled by npx org-flows setup aws (see the README)" });
    new CfnOutput(this, "TopicArn", { value: this.topic.topicArn });

    this.acknowledgeFindings();
  }

  private logGroup(id: string, logGroupName?: string): logs.LogGroup {
    return new logs.LogGroup(this, id, { retention: this.retention, removalPolicy: RemovalPolicy.DESTROY, ...(logGroupName ? { logGroupName } : {}) });
  }

  /**
   * KMS-encrypted with a customer managed key rather than aws/sns: CloudWatch alarms cannot publish to a topic
   * under the AWS managed key (its key policy cannot be changed to let them in).
   */
  private notificationTopic(email: string | undefined): sns.Topic {
    const key = new kms.Key(this, "NotificationKey", {
      description: "org-flows notification topic",
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    const fromThisAccountsAlarms = {
      StringEquals: { "aws:SourceAccount": this.account },
      ArnLike: { "aws:SourceArn": `arn:${this.partition}:cloudwatch:${this.region}:${this.account}:alarm:*` },
    };
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "CloudWatchAlarmsPublish",
        principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["kms:Decrypt", "kms:GenerateDataKey"],
        resources: ["*"],
        conditions: fromThisAccountsAlarms,
      }),
    );
    const topic = new sns.Topic(this, "Notifications", { displayName: "org-flows", masterKey: key, enforceSSL: true });
    // enforceSSL writes a topic policy, which replaces the default one that let the account's alarms publish.
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "CloudWatchAlarmsPublish",
        principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["sns:Publish"],
        resources: [topic.topicArn],
        conditions: fromThisAccountsAlarms,
      }),
    );
    if (email) topic.addSubscription(new EmailSubscription(email));
    return topic;
  }

  /** DIRECTORY_SCIM_URL as is; a directory file travels inside the bundle, since a Lambda has no other disk. */
  private directoryEnvironment(props: OrgFlowsStackProps): DirectorySettings {
    const environment: Record<string, string> = {};
    if (props.directoryScimUrl) environment.DIRECTORY_SCIM_URL = props.directoryScimUrl;
    if (!props.directoryFile) return { environment };
    const file = isAbsolute(props.directoryFile) ? props.directoryFile : resolve(props.directoryFile);
    // Fail the synth, not the first onboarding, when the file is missing.
    if (!existsSync(file)) throw new Error(`-c directoryFile=${props.directoryFile}: no such file`);
    environment.DIRECTORY_FILE = `/var/task/${basename(file)}`;
    return { environment, file };
  }

  /**
   * Every message of the topic, laid out for people, to chat: a Lambda subscribed to the topic re-publishes it as a
   * custom notification to a second topic, which the Slack / Teams channels subscribe to (Amazon Q Developer shows
   * only AWS service events and custom notifications, not plain text), and posts it to an incoming webhook.
   */
  private chatNotifications(channels: ChatChannels, webhook: boolean): { fn: NodejsFunction; topic?: sns.Topic } {
    const key = this.topic.masterKey;
    const topic =
      channels.slack || channels.teams
        ? new sns.Topic(this, "ChatNotifications", { displayName: "org-flows chat", masterKey: key, enforceSSL: true })
        : undefined;
    const fn = this.nodeFunction("ChatNotify", CHAT_NOTIFY_ENTRY, {
      description: "notification topic -> chat: Amazon Q Developer custom notifications and an incoming webhook",
      timeout: Duration.seconds(30),
      memorySize: 256,
      environment: { ...(topic ? { CHAT_TOPIC_ARN: topic.topicArn } : {}), ...(webhook ? { NOTIFY_WEBHOOK_SECRET_ARN: this.secret.secretArn } : {}) },
    });
    if (topic) {
      chatChannels(this, this.stackName, topic, channels);
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ["sns:Publish"], resources: [topic.topicArn] }));
      // Publishing to an encrypted topic encrypts the message under its key.
      if (key) fn.addToRolePolicy(new iam.PolicyStatement({ actions: ["kms:GenerateDataKey", "kms:Decrypt"], resources: [key.keyArn] }));
    }
    if (webhook) this.secret.grantRead(fn);
    this.topic.addSubscription(new LambdaSubscription(fn));
    return { fn, ...(topic ? { topic } : {}) };
  }

  /** A task Lambda from its registry entry: what it needs becomes its environment and the files beside its bundle. */
  private taskFunction(task: TaskLambda, common: Record<string, string>, directory: DirectorySettings): NodejsFunction {
    const environment: Record<string, string> = { ...common };
    if (task.needs.includes("computeOnly")) delete environment.APP_SECRET_ARN;
    const besides: string[] = [];
    // The task names the table inside what it returns (it needs no access to it: the machine writes).
    if (task.needs.includes("tableName") || task.needs.includes("tableRead")) environment.TABLE_NAME = this.table.tableName;
    // app/pricing/price.ts reads rates.json beside itself (import.meta.url): ship it beside the bundle.
    if (task.needs.includes("rates")) besides.push(join(PROJECT_ROOT, "app", "pricing", "rates.json"));
    if (task.needs.includes("directory")) {
      Object.assign(environment, directory.environment);
      // A directory file travels inside the bundle, since a Lambda has no other disk.
      if (directory.file) besides.push(directory.file);
    }
    const fn = this.nodeFunction(task.id, entryPath(task.entry), {
      description: task.description,
      timeout: Duration.seconds(task.timeoutSeconds),
      environment,
      ...(besides.length ? { commandHooks: copyBesideBundle(besides) } : {}),
    });
    // Point reads only: the machines do every write.
    if (task.needs.includes("tableRead")) fn.addToRolePolicy(new iam.PolicyStatement({ actions: ["dynamodb:GetItem"], resources: [this.table.tableArn] }));
    return fn;
  }

  /** One NodejsFunction per job, bundled the way infra/bundling.ts says, with its own role and log group. */
  private nodeFunction(
    id: string,
    entry: string,
    opts: { description: string; timeout: Duration; environment: Record<string, string>; memorySize?: number; commandHooks?: ICommandHooks },
  ): NodejsFunction {
    const logGroup = this.logGroup(`${id}Logs`);
    // Own role instead of AWSLambdaBasicExecutionRole: it may write to its own log group only.
    const role = new iam.Role(this, `${id}Role`, { assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com") });
    role.addToPolicy(new iam.PolicyStatement({ actions: ["logs:CreateLogStream", "logs:PutLogEvents"], resources: [logGroup.logGroupArn] }));
    return new NodejsFunction(this, id, {
      entry,
      handler: "handler",
      description: opts.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: opts.memorySize ?? 512,
      timeout: opts.timeout,
      role,
      logGroup,
      environment: opts.environment,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, "package-lock.json"),
      bundling: {
        format: OutputFormat.ESM,
        target: BUNDLE.target,
        minify: BUNDLE.minify,
        sourceMap: BUNDLE.sourceMap,
        sourcesContent: BUNDLE.sourcesContent,
        mainFields: [...BUNDLE.mainFields],
        banner: BUNDLE.banner,
        externalModules: [...BUNDLE.externalModules],
        esbuildArgs: ESBUILD_ARGS,
        forceDockerBundling: false,
        ...(opts.commandHooks ? { commandHooks: opts.commandHooks } : {}),
      },
    });
  }

  /**
   * A machine from its ASL file, placeholders filled by CloudFormation (DefinitionSubstitutions), and a role that
   * holds exactly the permissions its Task states need (infra/asl-permissions.ts).
   */
  private stateMachine(key: MachineKey, id: string, type: sfn.StateMachineType, values: Substitutions, arns: Substitutions): sfn.StateMachine {
    const { file, name } = MACHINES[key];
    const definition = JSON.stringify(JSON.parse(readFileSync(join(MACHINES_DIR, file), "utf8")));
    const used = usedSubstitutions(definition);
    const definitionSubstitutions = Object.fromEntries(used.map((k) => [k, values[k]]));

    const role = new iam.Role(this, `${id}Role`, { assumedBy: new iam.ServicePrincipal("states.amazonaws.com") });
    // Task grants live in their own policy so that the role's default policy holds only what CDK adds for logging
    // and X-Ray (the one place a `*` resource is suppressed).
    const tasks = new iam.Policy(this, `${id}TaskPolicy`, { statements: this.taskStatements(definition, arns) });
    role.attachInlinePolicy(tasks);

    const machine = new sfn.StateMachine(this, id, {
      stateMachineName: `${this.stackName}-${name}`,
      stateMachineType: type,
      definitionBody: sfn.DefinitionBody.fromString(definition),
      definitionSubstitutions,
      role,
      tracingEnabled: true,
      // Executions carry member data (emails, employee ids): log events, never their input or output.
      logs: {
        destination: this.logGroup(`${id}Logs`, `/aws/vendedlogs/states/${this.stackName}-${name}`),
        level: sfn.LogLevel.ALL,
        includeExecutionData: false,
      },
    });
    machine.node.addDependency(tasks);
    return machine;
  }

  /** `arn:...:execution:<child machine name>:*`: the executions of the machine a placeholder names. */
  private childExecutionsArn(placeholder: SubstitutionKey): string {
    const key = (Object.keys(MACHINES) as MachineKey[]).find((k) => machinePlaceholder(k) === placeholder);
    if (!key) throw new Error(`\${${placeholder}} names no state machine: cannot grant on its executions`);
    return this.formatArn({
      service: "states",
      resource: "execution",
      resourceName: `${this.stackName}-${MACHINES[key].name}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  private taskStatements(definition: string, arns: Substitutions): iam.PolicyStatement[] {
    const byResource = new Map<string, Set<string>>();
    const add = (resource: string, action: string): void => {
      byResource.set(resource, (byResource.get(resource) ?? new Set()).add(action));
    };
    for (const { action, placeholder, on } of taskPermissions(definition)) {
      if (on === "managedRule") {
        add(this.formatArn({ service: "events", resource: "rule", resourceName: SYNC_MANAGED_RULE }), action);
        continue;
      }
      if (on === "executions") {
        add(this.childExecutionsArn(placeholder), action);
        continue;
      }
      add(arns[placeholder], action);
      if (action === "sns:Publish" && this.topic.masterKey) {
        // Publishing to an encrypted topic encrypts the message under its key.
        add(this.topic.masterKey.keyArn, "kms:GenerateDataKey");
        add(this.topic.masterKey.keyArn, "kms:Decrypt");
      }
    }
    return [...byResource].map(([resource, actions]) => new iam.PolicyStatement({ actions: [...actions].sort(), resources: [resource] }));
  }

  /**
   * The failed-delivery sweep every `minutes` (EventBridge Scheduler). Its role may start exactly the redelivery
   * machine; GitHub keeps failed deliveries redeliverable for 3 days, so a missed run is caught by the next.
   */
  private redeliverySchedule(machine: sfn.StateMachine, minutes: number): scheduler.Schedule {
    return new scheduler.Schedule(this, "RedeliverySchedule", {
      description: "org-flows: redeliver the GitHub App's failed webhook deliveries",
      schedule: scheduler.ScheduleExpression.rate(Duration.minutes(minutes)),
      target: new StepFunctionsStartExecution(machine, {
        input: scheduler.ScheduleTargetInput.fromObject({}),
        retryAttempts: 2,
        // Scheduler's own bound is 24 hours; a start older than the next one is not worth making.
        maxEventAge: Duration.minutes(Math.min(minutes, 1440)),
      }),
    });
  }

  private webhookApi(fn: NodejsFunction): apigw.HttpApi {
    const api = new apigw.HttpApi(this, "WebhookApi", {
      description: "GitHub App webhooks",
      createDefaultStage: false,
    });
    api.addStage("DefaultStage", {
      stageName: "$default",
      autoDeploy: true,
      // Caps what a flood of unsigned requests can cost; far above a GitHub org's delivery rate.
      throttle: { rateLimit: 50, burstLimit: 200 },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.logGroup("WebhookApiAccessLogs")),
        // Who, when, which route, what answer: never headers or bodies.
        format: apigwAccessLogFormat(),
      },
    });
    api.addRoutes({ path: WEBHOOK_PATH, methods: [apigw.HttpMethod.POST], integration: new HttpLambdaIntegration("Webhook", fn) });
    return api;
  }

  /**
   * The machines stop in the state that failed (so that a redrive resumes there) instead of catching into a notify
   * state: the failure notification comes from Step Functions' own status-change event, for every Standard machine.
   * Express executions send no such events; their failures and time-outs raise the alarms below.
   */
  private failureNotifications(): events.Rule | undefined {
    const standard = Object.values(this.machines).filter((m) => m.stateMachineType === sfn.StateMachineType.STANDARD);
    if (standard.length === 0) return undefined;
    const field = (path: string): string => events.EventField.fromPath(path);
    // Named, so that the policies below can name its ARN without depending on it (the rule depends on the machines,
    // whose policies depend on the topic and its key: a reference back would be a cycle).
    const ruleName = `${this.stackName}-ExecutionFailed`.slice(0, 64);
    const rule = new events.Rule(this, "ExecutionFailedRule", {
      ruleName,
      description: "Notify the topic when an execution ends FAILED, TIMED_OUT or ABORTED",
      eventPattern: {
        source: ["aws.states"],
        detailType: ["Step Functions Execution Status Change"],
        detail: {
          status: [...UNSUCCESSFUL_STATUSES],
          stateMachineArn: standard.map((m) => m.stateMachineArn),
          // Top-level executions only: a child execution's input names its parent, which counts the failure or fails in
          // turn, so one bad backfill is one message, not one per child.
          input: [{ "anything-but": { wildcard: `*"${STARTED_BY}"*` } }],
        },
      },
    });
    const message = events.RuleTargetInput.fromText(
      failedExecutionMessage({
        status: field("$.detail.status"),
        stateMachineArn: field("$.detail.stateMachineArn"),
        name: field("$.detail.name"),
        error: field("$.detail.error"),
        cause: field("$.detail.cause"),
      }),
    );
    // The topic as a target without targets.SnsTopic's own grant, which lets any rule of any account publish:
    // EventBridge may publish (and use the key) for this rule of this account only (confused-deputy conditions).
    const topic = this.topic;
    rule.addTarget({ bind: () => ({ arn: topic.topicArn, input: message }) });
    const ruleArn = `arn:${this.partition}:events:${this.region}:${this.account}:rule/${ruleName}`;
    const fromThisRule = { StringEquals: { "aws:SourceAccount": this.account }, ArnEquals: { "aws:SourceArn": ruleArn } };
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "EventBridgePublish",
        principals: [new iam.ServicePrincipal("events.amazonaws.com")],
        actions: ["sns:Publish"],
        resources: [topic.topicArn],
        conditions: fromThisRule,
      }),
    );
    // EventBridge publishes to the encrypted topic under its key.
    topic.masterKey?.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "EventBridgePublish",
        principals: [new iam.ServicePrincipal("events.amazonaws.com")],
        actions: ["kms:GenerateDataKey*", "kms:Decrypt"],
        resources: ["*"],
        conditions: fromThisRule,
      }),
    );
    return rule;
  }

  /**
   * Anything that needs a person, in as few alarms as say it (each beyond CloudWatch's 10 free costs $0.10 a month):
   * a Standard execution that failed, timed out or was aborted is notified by the status-change rule above, top-level
   * executions once each, so it needs no alarm; only a failure of that rule to deliver does. Express machines send no
   * status-change events: one alarm each, on failed + timed out + aborted. The webhook: one alarm on a crashed
   * invocation or a delivery answered 5xx (it answers 500 without failing the invocation), one on a burst of refused
   * deliveries (401: a wrong secret; 429: throttled, a flood). A task Lambda's failed invocation is retried by its
   * machine and alarms nothing.
   */
  private alarms(statusRule: events.Rule | undefined): void {
    const action = new SnsAction(this.topic);
    const period = Duration.minutes(5);
    const alarm = (id: string, metric: cloudwatch.IMetric, description: string, threshold = 1): void => {
      new cloudwatch.Alarm(this, id, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      }).addAlarmAction(action);
    };
    const sum = (expression: string, usingMetrics: Record<string, cloudwatch.IMetric>, label: string): cloudwatch.IMetric =>
      new cloudwatch.MathExpression({ expression, usingMetrics, period, label });
    for (const [key, machine] of Object.entries(this.machines)) {
      if (machine.stateMachineType !== sfn.StateMachineType.EXPRESS) continue;
      const name = MACHINES[key as MachineKey].name;
      const m = { period, statistic: "Sum" };
      alarm(
        `${key}Unsuccessful`,
        sum("FILL(f, 0) + FILL(t, 0) + FILL(a, 0)", { f: machine.metricFailed(m), t: machine.metricTimedOut(m), a: machine.metricAborted(m) }, "unsuccessful"),
        `${name} (Express): an execution failed, timed out or was aborted; see its log group, then redeliver the delivery`,
      );
    }
    if (statusRule) {
      alarm(
        "failureNotificationsUndelivered",
        new cloudwatch.Metric({
          namespace: "AWS/Events",
          metricName: "FailedInvocations",
          dimensionsMap: { RuleName: statusRule.ruleName },
          period,
          statistic: "Sum",
        }),
        "the notification of a failed execution could not be published to the topic; see the machines' executions",
      );
    }
    alarm(
      "webhookFailing",
      sum(
        "FILL(errors, 0) + FILL(server, 0)",
        { errors: this.functions.webhook.metricErrors({ period, statistic: "Sum" }), server: this.api.metricServerError({ period, statistic: "Sum" }) },
        "crashes and 5xx answers",
      ),
      "webhook: an invocation crashed or a delivery was answered 5xx; redeliver it from the App settings once fixed",
    );
    alarm(
      "webhookClientErrors",
      this.api.metricClientError({ period, statistic: "Sum" }),
      "webhook: many deliveries refused (401 bad signature: check the webhook secret; 429: throttled)",
      25,
    );
  }

  /**
   * The cdk-nag AwsSolutions findings that do not apply here, each acknowledged on the one construct it concerns
   * (cdk-nag 3 reads CDK's own acknowledgements; a finding acknowledged nowhere fails the synth).
   */
  private acknowledgeFindings(): void {
    Validations.of(this.api).acknowledge({
      id: "AwsSolutions-APIG4",
      reason:
        "GitHub cannot use an API Gateway authorizer: every delivery is authenticated by its HMAC signature (x-hub-signature-256), checked in the webhook Lambda before anything else.",
    });
    for (const machine of Object.values(this.machines)) {
      Validations.of(machine.role).acknowledge({
        id: "AwsSolutions-IAM5[Resource::*]",
        reason:
          "Added by CDK to the role's default policy for state machine logging (logs:*LogDelivery, DescribeLogGroups, ...) and X-Ray tracing, actions without resource-level permissions. The Task permissions sit in a separate policy without wildcards.",
      });
    }
    // `.sync:2` must describe and stop the child's executions, whose names are not known in advance: AWS's policy
    // for nested workflows grants them on `execution:<child machine name>:*`, exactly one child machine each.
    for (const [parent, child] of [
      ["backfill", "backfillRepositories"],
      ["backfillRepositories", "backfillRepository"],
      ["backfillRepository", "backfillPage"],
      ["backfillPage", "workflowRunCost"],
      ["memberBackfill", "memberBackfillPage"],
      ["memberBackfillPage", "memberOnboarding"],
    ] as const) {
      const resource = `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${this.stackName}-${MACHINES[child].name}:*`;
      Validations.of(this.node.findChild(`${this.machines[parent].node.id}TaskPolicy`)).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${resource}]`,
        reason: `startExecution.sync:2 describes and stops the executions of its child machine ${MACHINES[child].name} only; their names are made at run time.`,
      });
    }
    Validations.of(this.secret).acknowledge({
      id: "AwsSolutions-SMG4",
      reason:
        "The secret holds the GitHub App's private key and webhook secret, which are issued and rotated in the App's GitHub settings; no rotation Lambda can do that.",
    });
  }
}

/** A command hook that copies a file next to the bundle (cross-platform: node, not cp). */
function copyBesideBundle(files: string[]): ICommandHooks {
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_inputDir: string, outputDir: string) =>
      files.map((file) => `node -e "require('node:fs').copyFileSync(process.argv[1], process.argv[2])" "${file}" "${join(outputDir, basename(file))}"`),
  };
}

/** The company directory as the enrich task sees it: variables, and a file to ship beside its bundle. */
interface DirectorySettings {
  environment: Record<string, string>;
  file?: string;
}

function apigwAccessLogFormat(): AccessLogFormat {
  return AccessLogFormat.custom(
    JSON.stringify({
      requestId: "$context.requestId",
      ip: "$context.identity.sourceIp",
      requestTime: "$context.requestTime",
      routeKey: "$context.routeKey",
      status: "$context.status",
      responseLength: "$context.responseLength",
      integrationLatency: "$context.integrationLatency",
      integrationError: "$context.integrationErrorMessage",
    }),
  );
}

/** The stack's props from `cdk -c key=value` context, validated: a typo fails the synth, not the deployment. */
export function propsFromContext(get: (key: string) => unknown): OrgFlowsStackProps {
  const str = (key: string): string | undefined => {
    const v = get(key);
    if (v === undefined || v === null || v === "") return undefined;
    return String(v).trim();
  };
  const type = (str("workflowRunCostType") ?? "STANDARD").toUpperCase();
  if (type !== "STANDARD" && type !== "EXPRESS") throw new Error(`-c workflowRunCostType=${type}: expected STANDARD or EXPRESS`);
  const email = str("notificationEmail");
  if (email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) throw new Error(`-c notificationEmail=${email}: not an email address`);
  const scim = str("directoryScimUrl");
  if (scim && !/^https:\/\//.test(scim)) throw new Error(`-c directoryScimUrl=${scim}: expected an https:// URL`);
  const days = str("logRetentionDays");
  const retention = days === undefined ? undefined : Number(days);
  if (retention !== undefined && !Object.values(logs.RetentionDays).includes(retention)) {
    throw new Error(`-c logRetentionDays=${days}: not a CloudWatch Logs retention (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ...)`);
  }
  const chat = chatChannelsFromContext(str);
  const hook = str("chatWebhook");
  if (hook !== undefined && hook !== "true" && hook !== "false") throw new Error(`-c chatWebhook=${hook}: expected true or false`);
  const webhook = hook === "true";
  const rate = str("redeliveryRateMinutes");
  const minutes = rate === undefined ? undefined : Number(rate);
  if (minutes !== undefined && !(Number.isInteger(minutes) && minutes >= REDELIVERY_RATE_RANGE.min && minutes <= REDELIVERY_RATE_RANGE.max)) {
    throw new Error(`-c redeliveryRateMinutes=${rate}: expected whole minutes from ${REDELIVERY_RATE_RANGE.min} to ${REDELIVERY_RATE_RANGE.max}`);
  }
  const optional = <K extends keyof OrgFlowsStackProps>(key: K, value: OrgFlowsStackProps[K] | undefined): Partial<OrgFlowsStackProps> =>
    value === undefined ? {} : { [key]: value };
  return {
    workflowRunCostType: type,
    ...optional("notificationEmail", email),
    ...optional("gheHost", str("gheHost")),
    ...optional("defaultTeams", str("defaultTeams")),
    ...optional("directoryScimUrl", scim),
    ...optional("directoryFile", str("directoryFile")),
    ...optional("logRetention", retention as logs.RetentionDays | undefined),
    ...(chat.slack || chat.teams ? { chat } : {}),
    ...(webhook ? { chatWebhook: true } : {}),
    ...optional("redeliveryRateMinutes", minutes),
  };
}
