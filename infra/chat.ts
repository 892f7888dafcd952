// Slack and Microsoft Teams channels as subscribers of the chat topic, through Amazon Q Developer in chat
// applications (formerly AWS Chatbot; CloudFormation AWS::Chatbot::*). Notifications only: the channel role holds
// no policy and the guardrail denies everything, so nobody can run AWS commands from the channel.
import * as chatbot from "aws-cdk-lib/aws-chatbot";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as sns from "aws-cdk-lib/aws-sns";
import type { Construct } from "constructs";

export interface SlackChannel {
  workspaceId: string;
  channelId: string;
}
export interface TeamsChannel {
  tenantId: string;
  teamId: string;
  channelId: string;
}
export interface ChatChannels {
  slack?: SlackChannel;
  teams?: TeamsChannel;
}

/** AWS's managed policy that denies every action: the channels' guardrail. */
const DENY_ALL = "AWSDenyAll";

export function chatChannels(scope: Construct, name: string, topic: sns.ITopic, channels: ChatChannels): void {
  const guardrail = iam.ManagedPolicy.fromAwsManagedPolicyName(DENY_ALL);
  if (channels.slack) {
    new chatbot.SlackChannelConfiguration(scope, "SlackChannel", {
      slackChannelConfigurationName: `${name}-slack`,
      slackWorkspaceId: channels.slack.workspaceId,
      slackChannelId: channels.slack.channelId,
      notificationTopics: [topic],
      guardrailPolicies: [guardrail],
      loggingLevel: chatbot.LoggingLevel.ERROR,
    });
  }
  if (channels.teams) {
    const role = new iam.Role(scope, "TeamsChannelRole", { assumedBy: new iam.ServicePrincipal("chatbot.amazonaws.com") });
    new chatbot.CfnMicrosoftTeamsChannelConfiguration(scope, "TeamsChannel", {
      configurationName: `${name}-teams`,
      iamRoleArn: role.roleArn,
      teamsTenantId: channels.teams.tenantId,
      teamId: channels.teams.teamId,
      teamsChannelId: channels.teams.channelId,
      snsTopicArns: [topic.topicArn],
      guardrailPolicies: [guardrail.managedPolicyArn],
      loggingLevel: "ERROR",
    });
  }
}

const SLACK_ID = /^[A-Z0-9]{1,255}$/;
/** CloudFormation's pattern for TeamsChannelId (AWS::Chatbot::MicrosoftTeamsChannelConfiguration). */
const TEAMS_CHANNEL = /^([a-zA-Z0-9-_=+/.,])*%3[aA]([a-zA-Z0-9-_=+/.,])*%40([a-zA-Z0-9-_=+/.,])*$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/**
 * The channels from CDK context: `slackWorkspaceId` + `slackChannelId` (the workspace must be authorised once in the
 * Amazon Q Developer console), `teamsTenantId` + `teamsTeamId` + `teamsChannelId` (the team likewise). All of a
 * channel's keys or none; a malformed id fails the synth.
 */
export function chatChannelsFromContext(str: (key: string) => string | undefined): ChatChannels {
  const group = (keys: string[]): string[] | undefined => {
    const values = keys.map((k) => str(k));
    if (values.every((v) => v === undefined)) return undefined;
    const missing = keys.filter((_, i) => values[i] === undefined);
    if (missing.length) throw new Error(`-c ${missing.join(", -c ")} missing: ${keys.join(", ")} go together`);
    return values as string[];
  };
  const out: ChatChannels = {};
  const slack = group(["slackWorkspaceId", "slackChannelId"]);
  if (slack) {
    const [workspaceId, channelId] = slack as [string, string];
    if (!SLACK_ID.test(workspaceId)) throw new Error(`-c slackWorkspaceId=${workspaceId}: expected a Slack workspace id such as T0123ABCD`);
    if (!SLACK_ID.test(channelId)) throw new Error(`-c slackChannelId=${channelId}: expected a Slack channel id such as C0123ABCD`);
    out.slack = { workspaceId, channelId };
  }
  const teams = group(["teamsTenantId", "teamsTeamId", "teamsChannelId"]);
  if (teams) {
    const [tenantId, teamId, raw] = teams as [string, string, string];
    // The id as Teams shows it (19:...@thread.tacv2) or URL-encoded, which is what CloudFormation takes.
    const channelId = raw.includes(":") || raw.includes("@") ? encodeURIComponent(raw) : raw;
    if (!UUID.test(tenantId)) throw new Error(`-c teamsTenantId=${tenantId}: expected the tenant's id (a UUID)`);
    if (!UUID.test(teamId)) throw new Error(`-c teamsTeamId=${teamId}: expected the team's id (a UUID)`);
    if (!TEAMS_CHANNEL.test(channelId)) throw new Error(`-c teamsChannelId=${raw}: expected the channel's id (19:...@thread.tacv2)`);
    out.teams = { tenantId, teamId, channelId };
  }
  return out;
}
