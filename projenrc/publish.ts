/**
 * Release checks and publish tasks.
 *
 * With `github: false` projen creates `release`, `bump`, `unbump` and
 * `publish:git` but no publish task for the registries (it only writes those
 * into GitHub workflows), so they are defined here as plain tasks that run the
 * same publib tools, with the environment projen's own publisher would set.
 * Every publish task first runs `release:verify`, which checks the artifacts in
 * dist/ against the version `bump` wrote (dist/version.txt).
 */
import { Project, Task } from 'projen';

/**
 * publib, pinned. Its publib-maven publishes to the Central Portal through the
 * OSSRH Staging API (https://ossrh-staging-api.central.sonatype.com) when
 * MAVEN_SERVER_ID=central-ossrh; the old OSSRH hosts are gone.
 */
export const PUBLIB_VERSION = '0.2.1061';

const CHECKER = 'python3 test/release/check_artifacts.py';

interface Registry {
  readonly name: string;
  readonly description: string;
  readonly tool: string;
  readonly env?: Record<string, string>;
  readonly requiredEnv: string[];
}

const REGISTRIES: Registry[] = [
  {
    name: 'npm',
    description: 'Publish dist/js to npm (needs NPM_TOKEN)',
    tool: 'publib-npm',
    env: { NPM_DIST_TAG: 'latest', NPM_ACCESS_LEVEL: 'public' },
    requiredEnv: ['NPM_TOKEN'],
  },
  {
    name: 'pypi',
    description: 'Publish dist/python to PyPI (needs TWINE_USERNAME=__token__ and TWINE_PASSWORD)',
    tool: 'publib-pypi',
    requiredEnv: ['TWINE_USERNAME', 'TWINE_PASSWORD'],
  },
  {
    name: 'maven',
    description: 'Sign dist/java and publish it to Maven Central through the Central Portal (needs a Portal user token and a GPG key)',
    tool: 'publib-maven',
    // projen's own default for publishToMaven; publib then uses the Portal's
    // OSSRH Staging API and needs no staging profile id.
    env: { MAVEN_SERVER_ID: 'central-ossrh' },
    requiredEnv: ['MAVEN_USERNAME', 'MAVEN_PASSWORD', 'MAVEN_GPG_PRIVATE_KEY', 'MAVEN_GPG_PRIVATE_KEY_PASSPHRASE'],
  },
  {
    name: 'go',
    description: 'Push dist/go to the Go module repository and tag it (needs GITHUB_TOKEN)',
    tool: 'publib-golang',
    env: { GIT_BRANCH: 'main' },
    requiredEnv: ['GITHUB_TOKEN'],
  },
];

/**
 * Fails unless HEAD is on the release branch, as projen's own publish tasks
 * do: CURRENT_BRANCH comes from the task's environment, and no shell runs it.
 */
const CHECK_BRANCH = [
  'const { CURRENT_BRANCH: current, PUBLISH_BRANCH: expected } = process.env;',
  'if (current !== expected) { console.error(`publish from ${expected}, not ${current}`); process.exit(1); }',
].join('\n');

export interface ReleaseTasks {
  readonly verify: Task;
  readonly dryRun: Task;
  readonly publish: Task;
}

export function addPublishTasks(project: Project, releaseBranch: string): ReleaseTasks {
  const verify = project.addTask('release:verify', {
    description: 'Check the artifacts in dist/ before publishing: all at the version bump wrote to dist/version.txt, complete, nothing extra',
    exec: `${CHECKER} --release`,
  });

  const packageForDryRun = project.addTask('release:dry-run:package', {
    description: 'Bundle, compile and package every language into dist/',
  });
  for (const name of ['pre-compile', 'compile', 'package-all']) {
    const task = project.tasks.tryFind(name);
    if (!task) throw new Error(`projen did not create a ${name} task`);
    packageForDryRun.spawn(task);
  }
  const dryRun = project.addTask('release:dry-run', {
    description: 'Package every language, check each artifact and print what a release would publish, without publishing or any secret (RELEASE_DRY_RUN_SKIP_PACKAGE=1 checks dist/ as it is)',
  });
  dryRun.spawn(packageForDryRun, { condition: 'node -e "if (process.env.RELEASE_DRY_RUN_SKIP_PACKAGE) process.exit(1)"' });
  // --bump runs `bump` then, always, `unbump`: it prints the version the
  // next release gets and leaves package.json as committed.
  dryRun.exec(`${CHECKER} --bump`);

  const publish = project.addTask('publish', {
    description: 'Publish dist/ to npm, PyPI, Maven Central and the Go module repository (after `npx projen release`)',
  });
  for (const registry of REGISTRIES) {
    const task = project.addTask(`publish:${registry.name}`, {
      description: registry.description,
      env: { ...registry.env, PUBLISH_BRANCH: releaseBranch, CURRENT_BRANCH: '$(git rev-parse --abbrev-ref HEAD)' },
      requiredEnv: registry.requiredEnv,
    });
    task.execArgs(['node', '-e', CHECK_BRANCH]);
    task.spawn(verify);
    task.exec(`npx -p publib@${PUBLIB_VERSION} ${registry.tool}`);
    publish.spawn(task);
  }
  return { verify, dryRun, publish };
}
