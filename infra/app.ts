#!/usr/bin/env node
// The CDK app: `cd infra && npx cdk synth|deploy -c notificationEmail=... -c workflowRunCostType=EXPRESS|STANDARD`.
import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { OrgFlowsStack, propsFromContext } from "./stack.js";

const app = new App();
const context = (key: string): unknown => app.node.tryGetContext(key);
// Environment-agnostic: the account and region come from the CLI's profile at deploy time, and synth needs no
// AWS access at all.
new OrgFlowsStack(app, String(context("stackName") ?? "OrgFlows"), propsFromContext(context));
// cdk-nag's AwsSolutions pack on every synth and deploy: an unacknowledged finding stops both.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
