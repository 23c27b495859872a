import { awscdk, javascript, release } from 'projen';
import { UpdateSnapshot } from 'projen/lib/javascript';
import { addPublishTasks, PUBLIB_VERSION } from './projenrc/publish';

/**
 * aws-cdk-lib peer floor: 2.224.0.
 *
 * - It is the first release with `lambda.Runtime.NODEJS_24_X` (aws/aws-cdk#36001,
 *   November 2025). The handlers run on Node.js 24 because Lambda deprecates the
 *   Node.js 22 runtime in 2027, and Node.js 24 is supported until 2028.
 * - cdk-nag 2.37, which the tests run, asks for aws-cdk-lib ^2.176.0 and constructs
 *   ^10.0.5, so it raises neither floor. (cdk-nag 2.38 needs constructs ^10.5.1, and
 *   cdk-nag 3 needs aws-cdk-lib ^2.257.0.)
 * - About a year old: a team that upgrades CDK a few times a year is not locked out.
 *
 * The tests run against exactly this floor (projen pins the dev dependency to it),
 * so nothing newer can slip into the library unnoticed.
 */
const CDK_FLOOR = '2.224.0';

/** The emulator the integration tests run against. 5.2.3 is the first that finds
 * automated snapshots by ARN; the exact pin lives in test/emulator/requirements.txt. */
const EMULATOR_VENV = '.venv';

/** The Go module repository; the Go module is `${GO_REPOSITORY}/cdkrdsfailsafe`. */
const GO_REPOSITORY = 'github.com/cdk-rds-failsafe/cdk-rds-failsafe-go';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-rds-failsafe',
  packageName: 'cdk-rds-failsafe',
  description:
    'Cross-account disaster recovery for Amazon RDS and Aurora: ship snapshots from a Live account into a locked-down Failsafe account.',
  keywords: ['aws', 'cdk', 'rds', 'aurora', 'snapshot', 'backup', 'disaster-recovery', 'cross-account'],
  author: 'cdk-rds-failsafe maintainers',
  authorAddress: 'maintainers@cdk-rds-failsafe.invalid',
  repositoryUrl: 'https://github.com/cdk-rds-failsafe/cdk-rds-failsafe.git',
  license: 'Apache-2.0',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  minNodeVersion: '20.0.0',

  cdkVersion: CDK_FLOOR,
  constructsVersion: '10.0.5',
  jsiiVersion: '~6.0.0',

  publishToPypi: {
    distName: 'cdk-rds-failsafe',
    module: 'cdk_rds_failsafe',
  },
  publishToMaven: {
    mavenGroupId: 'io.github.cdkrdsfailsafe',
    mavenArtifactId: 'cdk-rds-failsafe',
    javaPackage: 'io.github.cdkrdsfailsafe',
  },
  // Go: jsii writes the module to dist/go/cdkrdsfailsafe; publib-golang pushes
  // it to the repository named by the module path, tagged cdkrdsfailsafe/vX.Y.Z.
  publishToGo: {
    moduleName: GO_REPOSITORY,
    packageName: 'cdkrdsfailsafe',
  },

  // Handlers are `*.lambda.ts` files. projen generates a `*-function.ts` for each
  // and esbuild bundles them into `assets/` when the library is built, so users
  // never need esbuild or Docker at synth. The AWS SDK v3 stays external: the
  // Lambda Node.js runtime provides it.
  lambdaAutoDiscover: true,
  lambdaOptions: {
    runtime: awscdk.LambdaRuntime.NODEJS_24_X,
    // SDK v3 reuses connections by default; the v2-era variable would only add noise.
    awsSdkConnectionReuse: false,
    // Powertools is bundled; minifying keeps the handlers small (the source
    // map, with NODE_OPTIONS=--enable-source-maps, keeps stack traces readable).
    // projen passes these options on to esbuild as they are, but its type for
    // them does not list `minify` yet; test/perf/bundle-size.test.ts fails if
    // the bundles stop being minified.
    bundlingOptions: {
      externals: ['@aws-sdk/*'],
      sourcemap: true,
      minify: true,
    } as javascript.BundlingOptions,
  },

  tsconfigDevFile: 'tsconfig.dev.json',
  tsconfigDev: {
    include: ['examples/**/*.ts', '.projenrc.ts'],
    compilerOptions: {},
  },
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'examples', 'projenrc', '.projenrc.ts'],
    // One project for every linted file: tsconfig.dev.json covers src, test and examples.
    projectService: false,
    tsconfigPath: './tsconfig.dev.json',
  },

  devDeps: [
    '@aws-sdk/client-rds@^3.700.0',
    '@aws-sdk/client-sns@^3.700.0',
    '@aws-sdk/client-kms@^3.700.0',
    '@aws-sdk/client-sts@^3.700.0',
    '@aws-sdk/client-sqs@^3.700.0',
    // The restore drill invokes the user's validation function.
    '@aws-sdk/client-lambda@^3.700.0',
    // Tests only: the network of the restore drills in the emulator.
    '@aws-sdk/client-ec2@^3.700.0',
    // Powertools is bundled into the handlers (the Lambda runtime does not
    // provide it); it is a build-time dependency only.
    '@aws-lambda-powertools/logger@^2.36.0',
    '@aws-lambda-powertools/metrics@^2.36.0',
    '@types/aws-lambda',
    'aws-sdk-client-mock@^4',
    'cdk-nag@~2.37.0',
    'fast-check@^4',
    // The IAM policy evaluator of the authorization tests (test/authorization).
    // A test-only tool, never bundled or published: its AGPL-3.0 licence does
    // not reach the library.
    '@cloud-copilot/iam-simulate@~0.1.173',
  ],

  jestOptions: {
    // Snapshot drift fails the tests; `npx projen test:update` rewrites them on purpose.
    updateSnapshot: UpdateSnapshot.NEVER,
    jestConfig: {
      setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
      testTimeout: 120_000,
    },
  },

  gitignore: [EMULATOR_VENV, 'cdk.out', '.demo/', '__pycache__/', '.smoke/', 'test/smoke/java/target/'],

  github: false,
  // Releases are cut by hand (`npx projen release`, then `npx projen publish`),
  // locally or on any CI: see RELEASING.md. publish:git prepends the release's
  // notes to CHANGELOG.md, commits and tags vX.Y.Z, and pushes.
  release: true,
  releaseTrigger: release.ReleaseTrigger.manual(),
  // 0.x until the API is declared stable: bump fails rather than release 1.0.0.
  majorVersion: 0,
  // The first release is 0.1.0 whatever the commit messages say; RELEASE_AS
  // forces a version or bump type; otherwise the commit messages decide.
  nextVersionCommand: 'ts-node --transpile-only --project tsconfig.dev.json projenrc/next-version.ts',
  jsiiReleaseVersion: PUBLIB_VERSION,
});

for (const ignored of ['/RELEASING.md', '/examples/', '/.ci/', `/${EMULATOR_VENV}/`, '/cdk.out/', '/.demo/', '/.smoke/', '/rosetta/', '/.jsii.tabl.json', '/bench/']) {
  project.addPackageIgnore(ignored);
}

// The handlers' AWS SDK clients are dev dependencies on purpose: the Lambda
// Node.js runtime provides them, so they are bundled as externals.
project.eslint?.allowDevDeps('src/runtime/**');
project.eslint?.allowDevDeps('src/**/*.lambda.ts');

// The emulator (moto server) is installed into a project-local venv by the project
// itself, so a fresh clone needs no manual step.
const emulatorInstall = project.addTask('emulator:install', {
  description: 'Install the AWS emulator (moto server) into a project-local Python venv',
  exec: 'bash test/emulator/install.sh',
});

// Tests always run against freshly bundled handlers and an installed emulator.
const bundle = project.tasks.tryFind('bundle');
if (!bundle) throw new Error('projen did not create a bundle task');
// ts-jest only transpiles (isolatedModules), so the tests are type-checked here.
const typecheck = project.addTask('typecheck', {
  description: 'Type-check src, test and examples',
  exec: 'tsc --noEmit -p tsconfig.dev.json',
});
project.testTask.prependSpawn(bundle);
project.testTask.prependSpawn(emulatorInstall);
project.testTask.prependSpawn(typecheck);

// Python, Java and Go users are proven by smoke tests against the packages in
// dist/: every build packages every language (not only JavaScript under
// CI, projen's default) and smoke-tests them as the last step of `package`.
const smokePython = project.addTask('smoke:python', {
  description: 'Install the wheel and aws-cdk-lib into a fresh venv, synthesize a Python app, run the README Python examples',
  exec: 'bash test/smoke/python/run.sh',
});
const smokeJava = project.addTask('smoke:java', {
  description: 'Compile and run a minimal Maven app against the artifact in dist/java',
  exec: 'bash test/smoke/java/run.sh',
});
// Go: package:go (jsii-pacmak runs `go build`) has already downloaded and
// compiled aws-cdk-go into the user's Go caches, so this takes seconds; on
// empty caches it takes 2-3 minutes (about 360 MB of modules, 330 MB of cache).
const smokeGo = project.addTask('smoke:go', {
  description: 'Build and run a minimal Go app against the module in dist/go, at the aws-cdk-lib floor',
  exec: 'bash test/smoke/go/run.sh',
});
const smoke = project.addTask('smoke', { description: 'Python, Java and Go smoke tests against the packages in dist/' });
smoke.spawn(smokePython);
smoke.spawn(smokeJava);
smoke.spawn(smokeGo);
const packageAll = project.tasks.tryFind('package-all');
if (!packageAll) throw new Error('projen did not create a package-all task');
project.packageTask.reset();
project.packageTask.spawn(packageAll);
project.packageTask.spawn(smoke);

// Every TypeScript example in the README compiles, in jsii-rosetta's strict
// mode, against rosetta/default.ts-fixture; that is also what translates them
// for the Python and Java docs.
project.package.file.addOverride('jsii.metadata', { jsii: { rosetta: { strict: true } } });
const rosetta = project.addTask('rosetta:extract', {
  description: 'Compile the README examples with jsii-rosetta in strict mode',
  exec: 'jsii-rosetta extract --compile --fail',
});
project.postCompileTask.spawn(rosetta);
project.gitignore.addPatterns('.jsii.tabl.json');

// Publishing: publish:npm, publish:pypi, publish:maven, publish:go and the
// `publish` umbrella, each behind `release:verify`; and `release:dry-run`.
const releaseTasks = addPublishTasks(project, project.release?.branches[0] ?? 'main');
// `release` checks the artifacts it built before publish:git commits the
// changelog and tags the release.
const releaseTask = project.tasks.tryFind('release');
const publishGitStep = releaseTask?.steps.findIndex((step) => step.spawn === 'publish:git') ?? -1;
if (!releaseTask || publishGitStep < 0) throw new Error('projen did not create a release task that spawns publish:git');
releaseTask.insertStep(publishGitStep, { spawn: releaseTasks.verify.name });

project.addTask('measure:bundles', {
  description: 'Print each handler bundle\'s size and cold-start import time',
  steps: [{ spawn: bundle.name }, { exec: 'node test/perf/measure-bundles.js' }],
});

// The benchmark: API calls per pass against the emulator (N = 10, 100 and
// 1,000 databases), a discrete-event simulation of 7 days over the real
// planners, and the Lambda cost they imply. It takes about 15 minutes, so it
// is not part of the build; its results are committed in bench/ and quoted in
// the README. BENCH_SIZES=10,100 runs a smaller API-call bench.
project.addTask('bench', {
  description: 'API calls per pass at 10, 100 and 1,000 databases, a 7-day simulation over the real planners, and Lambda cost; writes bench/*.json',
  steps: [
    { spawn: emulatorInstall.name },
    { spawn: bundle.name },
    { exec: 'ts-node --project tsconfig.dev.json test/bench/run-api-calls.ts bench/api-calls.json' },
    { exec: 'ts-node --project tsconfig.dev.json test/bench/run-simulation.ts bench/simulation.json' },
  ],
});

project.addTask('demo', {
  description: 'Synthesize the example app and run a DR drill against the local emulator',
  steps: [
    { spawn: emulatorInstall.name },
    { spawn: bundle.name },
    { exec: 'ts-node --project tsconfig.dev.json examples/demo.ts' },
  ],
});

project.synth();
