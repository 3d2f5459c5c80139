import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { METRICS_NAMESPACE, SERVICE } from '../../shared/app/telemetry.js';
import type { CommonProps } from './common.js';

/** The repository root: entries, `package-lock.json` and `tsconfig.json` live here. */
const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The four Lambda functions, named as their folders under `functions/`. */
export const FUNCTION_NAMES = ['ingest', 'publisher', 'sweeper', 'insider'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/**
 * esbuild on this machine (never Docker): ESM for Node 24, minified, with
 * external source maps. `@aws-sdk/*` is left to the copy in the nodejs24.x
 * runtime: bundling it would add ~330 KB per function and break the 250 KB
 * budget, and the handlers only use clients the runtime ships. The banner
 * gives bundled CommonJS dependencies the `require` that ESM lacks.
 */
export const BUNDLING: nodejs.BundlingOptions = {
  format: nodejs.OutputFormat.ESM,
  mainFields: ['module', 'main'],
  banner: "import { createRequire as __refundGateCreateRequire } from 'node:module'; const require = __refundGateCreateRequire(import.meta.url);",
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  externalModules: ['@aws-sdk/*'],
  forceDockerBundling: false,
};

export interface RefundGateFunctionOptions {
  readonly description: string;
  readonly timeout: Duration;
  readonly environment: Record<string, string>;
  /** Asynchronous invocations only: retries and age before the event goes to `onFailure`. */
  readonly retryAttempts?: number;
  readonly maxEventAge?: Duration;
  readonly onFailure?: lambda.IDestination;
  /** @default - no reservation (the account's unreserved pool) */
  readonly reservedConcurrentExecutions?: number;
}

/**
 * One of refund-gate's functions: `functions/<name>/handler.ts` bundled
 * locally, its own role with no managed policy (AWSLambdaBasicExecutionRole
 * would allow writing to every log group), its own retained log group.
 *
 * Tracing is off: the handlers do not use the Powertools Tracer, so active
 * X-Ray would record only Lambda's own start/end segments (nothing an
 * on-call engineer cannot read from the logs and metrics) while costing two
 * `xray:*` actions on `*` per role and a tracer dependency in every bundle.
 */
export function createRefundGateFunction(scope: Construct, name: string, common: CommonProps, options: RefundGateFunctionOptions): nodejs.NodejsFunction {
  const title = name.charAt(0).toUpperCase() + name.slice(1);
  const role = new iam.Role(scope, `${title}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `refund-gate ${name} function`,
  });
  const logGroup = new logs.LogGroup(scope, `${title}Logs`, { retention: common.logRetention, removalPolicy: common.removalPolicy });
  common.pin(logGroup, `${title}Logs`);
  const fn = new nodejs.NodejsFunction(scope, `${title}Function`, {
    entry: join(PROJECT_ROOT, 'functions', name, 'handler.ts'),
    handler: 'handler',
    projectRoot: PROJECT_ROOT,
    depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: 256,
    timeout: options.timeout,
    description: options.description,
    role,
    logGroup,
    tracing: lambda.Tracing.DISABLED,
    // JSON logs with the platform's level raised: START/END/REPORT lines are INFO, so they are not written (or billed).
    loggingFormat: lambda.LoggingFormat.JSON,
    systemLogLevelV2: lambda.SystemLogLevel.WARN,
    applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
    reservedConcurrentExecutions: options.reservedConcurrentExecutions,
    environment: {
      POWERTOOLS_SERVICE_NAME: SERVICE,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      NODE_OPTIONS: '--enable-source-maps',
      ...options.environment,
    },
    bundling: BUNDLING,
    ...(options.onFailure ? { onFailure: options.onFailure, retryAttempts: options.retryAttempts, maxEventAge: options.maxEventAge } : {}),
  });
  logGroup.grantWrite(role);
  return fn;
}
