// The AWS SDK's notice that its releases after January 2027 need Node 22 (tools/aws-command.ts says why the
// pinned versions run on 20): printed by this process and each command a test spawns, it buries test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
