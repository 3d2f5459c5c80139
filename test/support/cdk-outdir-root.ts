/** The one folder, in the system temp folder, that holds every test file's CDK output of a run. */
export const CDK_TEST_ROOT = 'refund-gate-cdk-tests';
