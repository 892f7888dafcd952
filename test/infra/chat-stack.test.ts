// The chat configuration of the stack from CDK context: Slack and Microsoft Teams channels of Amazon Q Developer in
// chat applications on a chat topic, the topic's chat subscriber Lambda, least privilege, and cdk-nag clean.
import { beforeAll, describe, expect, test } from "@jest/globals";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { PROJECT_ROOT } from "../../infra/bundling.js";
import { OrgFlowsStack, propsFromContext } from "../../infra/stack.js";

type Json = Record<string, unknown>;
const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, "infra", "cdk.json"), "utf8")) as { context: Json };
const CONTEXT: Json = {
  slackWorkspaceId: "T0123ABCD",
  slackChannelId: "C0456EFGH",
  teamsTenantId: "11111111-2222-3333-4444-555555555555",
  teamsTeamId: "66666666-7777-8888-9999-000000000000",
  teamsChannelId: "19:abc@thread.tacv2",
  chatWebhook: "true",
};

let app: App;
let stack: OrgFlowsStack;
let template: Template;
let nag: ReturnType<AwsSolutionsChecks["validateScope"]>;

const ref = (id: string): Json => ({ Ref: id });
const logicalId = (c: { node: { defaultChild?: unknown } }): string => stack.getLogicalId(c.node.defaultChild as never);

beforeAll(() => {
  app = new App({ context: cdkJson.context });
  stack = new OrgFlowsStack(
    app,
    "OrgFlowsChat",
    propsFromContext((k) => CONTEXT[k]),
  );
  template = Template.fromStack(stack);
  nag = new AwsSolutionsChecks(app).validateScope(app);
}, 240_000);

describe("chat notifications from context", () => {
  test("cdk-nag AwsSolutions: no finding with the chat resources", () => {
    expect(nag.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(", ")}`)).toEqual([]);
  });

  test("Slack and Teams channels on the chat topic, notifications only (no role policy, a deny-all guardrail)", () => {
    const chatTopic = ref(logicalId(stack.chat!.topic!));
    const denyAll = { "Fn::Join": ["", ["arn:", { Ref: "AWS::Partition" }, ":iam::aws:policy/AWSDenyAll"]] };
    template.hasResourceProperties("AWS::Chatbot::SlackChannelConfiguration", {
      SlackWorkspaceId: "T0123ABCD",
      SlackChannelId: "C0456EFGH",
      SnsTopicArns: [chatTopic],
      GuardrailPolicies: [denyAll],
      LoggingLevel: "ERROR",
    });
    template.hasResourceProperties("AWS::Chatbot::MicrosoftTeamsChannelConfiguration", {
      TeamsTenantId: CONTEXT.teamsTenantId,
      TeamId: CONTEXT.teamsTeamId,
      TeamsChannelId: "19%3Aabc%40thread.tacv2",
      SnsTopicArns: [chatTopic],
      GuardrailPolicies: [denyAll],
    });
    // The channel roles may do nothing.
    const roles = template.findResources("AWS::IAM::Role", {
      Properties: { AssumeRolePolicyDocument: { Statement: [{ Principal: { Service: "chatbot.amazonaws.com" } }] } },
    });
    expect(Object.keys(roles)).toHaveLength(2);
    for (const [id, role] of Object.entries(roles)) {
      expect((role as { Properties: Json }).Properties.ManagedPolicyArns).toBeUndefined();
      const policies = template.findResources("AWS::IAM::Policy", { Properties: { Roles: [ref(id)] } });
      expect(policies).toEqual({});
    }
    // The chat topic is encrypted and SSL-only like the main one.
    template.hasResourceProperties("AWS::SNS::Topic", {
      DisplayName: "org-flows chat",
      KmsMasterKeyId: { "Fn::GetAtt": [logicalId(stack.topic.masterKey! as never), "Arn"] },
    });
  });

  test("the chat subscriber: nodejs24.x on the main topic, may publish to the chat topic and read the secret, nothing else", () => {
    const fn = stack.chat!.fn;
    template.hasResourceProperties("AWS::Lambda::Function", {
      Runtime: "nodejs24.x",
      Environment: { Variables: { CHAT_TOPIC_ARN: ref(logicalId(stack.chat!.topic!)), NOTIFY_WEBHOOK_SECRET_ARN: ref(logicalId(stack.secret)) } },
    });
    template.hasResourceProperties("AWS::SNS::Subscription", {
      Protocol: "lambda",
      TopicArn: ref(logicalId(stack.topic)),
      Endpoint: { "Fn::GetAtt": [logicalId(fn), "Arn"] },
    });
    const policies = template.findResources("AWS::IAM::Policy", { Properties: { Roles: [ref(logicalId(fn.role! as never))] } });
    const actions = Object.values(policies)
      .flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: Array<{ Action: string | string[] }> } } }).Properties.PolicyDocument.Statement)
      .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]))
      .sort();
    expect(actions).toEqual(
      [
        "kms:Decrypt",
        "kms:GenerateDataKey",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue",
        "sns:Publish",
      ].sort(),
    );
  });

  test("context is checked: a channel's keys go together, ids have their form; without chat context there is nothing", () => {
    expect(() => propsFromContext((k) => ({ slackWorkspaceId: "T01" })[k])).toThrow(/-c slackChannelId missing/);
    expect(() => propsFromContext((k) => ({ slackWorkspaceId: "T01", slackChannelId: "#general" })[k])).toThrow(/slackChannelId=#general/);
    expect(() => propsFromContext((k) => ({ teamsTenantId: "x", teamsTeamId: "y", teamsChannelId: "z" })[k])).toThrow(/teamsTenantId=x/);
    expect(() => propsFromContext((k) => ({ chatWebhook: "yes" })[k])).toThrow(/chatWebhook=yes/);
    expect(propsFromContext(() => undefined)).toEqual({ workflowRunCostType: "STANDARD" });
    expect(propsFromContext((k) => ({ chatWebhook: "true" })[k])).toEqual({ workflowRunCostType: "STANDARD", chatWebhook: true });
  });
});
