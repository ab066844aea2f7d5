/**
 * `hotline serve` — runs the hub. `--dev` (what `npm start` uses) keeps a development secret in the data
 * directory, allows anonymous subscribers and prints ready-to-use tokens.
 * @module
 */
import { join } from 'node:path';
import { pino } from 'pino';
import { createDashboard, startDemoPublisher } from '../hub/dashboard/index.js';
import type { DashboardHost } from '../hub/extension.js';
import { createHub } from '../hub/hub.js';
import { LOG_REDACTION } from '../hub/log-redaction.js';
import type { HubOptions } from '../hub/options.js';
import { LOOPBACK_ORIGINS } from '../hub/origin-match.js';
import { setFlushSliceMs } from '../server/index.js';
import { helpText, parseOptions } from './args.js';
import { demoSignIn, loopbackSignIn, NO_PUBLISHER_KEY_WARNING, readKeys } from './serve-auth.js';
import { readConfigFile, validateServeConfig } from './serve-config.js';
import { printDevTokens } from './serve-dev-tokens.js';
import { demoRetention, openServeLog } from './serve-log.js';
import { SERVE_OPTIONS } from './serve-options.js';
import { announceTls, readTlsFiles, reloadTlsOnSighup, tlsFiles } from './serve-tls.js';
import { workerRole } from './serve-worker-role.js';
import { isRelayedLog, runPrimary, workerCount, workerShare } from './serve-workers.js';

export const serveCommand = {
  summary: 'Run the hub (Mercure protocol at /.well-known/mercure)',
  async run(args: string[]): Promise<number> {
    const values = parseOptions(args, SERVE_OPTIONS, process.env, readConfigFile);
    if (values.help === true) {
      console.log(helpText('hotline serve [options]', this.summary, SERVE_OPTIONS));
      return 0;
    }
    const { config: _configFile, ...rest } = values;
    const config = validateServeConfig(rest);
    const dataDir = config['data-dir'];
    setFlushSliceMs(config['flush-slice-ms']);
    const dev = config.dev === true;
    const keys = readKeys(config, dev);
    const tls = tlsFiles(config);
    const credentials = tls === undefined ? undefined : readTlsFiles(tls);
    // Redacting at the source: whatever is logged, by the hub or by this command, leaves tokens out.
    const logger = pino({ level: config['log-level'], ...LOG_REDACTION }, pino.destination(2));
    if (keys.publisherKey === undefined) logger.warn(NO_PUBLISHER_KEY_WARNING);
    const logSpec = config.log ?? `sqlite:${join(dataDir, 'hotline.db')}`;
    const runDemo = (dev || config.demo === true) && config['no-demo'] !== true;
    const demoHistory = demoRetention(logSpec, runDemo ? config['demo-history-max-events'] : undefined);
    if (demoHistory.note !== undefined) logger.info(demoHistory.note);
    const openLog = () =>
      openServeLog(logSpec, {
        maxEvents: config['history-max-events'],
        maxAgeMs: config['history-max-age-seconds'] * 1000,
        ...demoHistory.options,
      });
    const workers = workerCount(config.workers);
    const role = workerRole();
    const scheme = credentials === undefined ? 'http' : 'https';
    if (workers > 1 && role === undefined) {
      return runPrimary({
        workers,
        logSpec,
        openLog,
        logger,
        drainWindowMs: config['drain-window-ms'],
        forwardSighup: tls !== undefined,
        onReady(origin, kind) {
          console.log(`hotline hub listening on ${origin}/.well-known/mercure (log: ${kind}, ${workers} workers)`);
          if (credentials !== undefined) announceTls(credentials, logger);
        },
      });
    }
    // A worker of `--workers` relays the primary's memory or SQLite log; Redis and NATS it follows itself.
    const log = role !== undefined && isRelayedLog(logSpec) ? await role.relayLog() : await openLog();
    const share = (limit: number) => workerShare(limit, role?.workers ?? 1);
    const options: HubOptions = {
      log,
      logger,
      ...(config['jwt-audience'] === undefined ? {} : { jwtAudience: config['jwt-audience'] }),
      jwtIssuers: config['jwt-issuer'],
      maxAuthorizationDetails: config['max-authorization-details'],
      allowAnonymous: config['allow-anonymous'] === true || dev,
      // --dev: a page on any loopback port (Vite's 5173…) may subscribe and publish, as in Mercure's dev mode.
      corsOrigins: dev ? [...config['cors-origin'], ...LOOPBACK_ORIGINS] : config['cors-origin'],
      // --dev: such a page may publish with the mercureAuthorization cookie too (cookies ignore ports).
      publishOrigins: dev ? [...config['publish-origin'], ...LOOPBACK_ORIGINS] : config['publish-origin'],
      allowWeakSecrets: dev,
      maxPublishBytes: config['max-publish-bytes'],
      maxEventBytes: config['max-event-bytes'],
      heartbeatMs: config['heartbeat-ms'],
      maxBufferedBytes: config['max-buffered-bytes'],
      maxStateUpdates: config['max-state-updates'],
      maxStateScan: config['max-state-scan'],
      writeTimeoutMs: config['write-timeout-ms'],
      maxConnectionMs: config['max-connection-ms'],
      maxConnections: share(config['max-connections']),
      maxConnectionsPerIp: share(config['max-connections-per-ip']),
      maxSelectorLength: config['max-selector-length'],
      maxTemplateExpressions: config['max-template-expressions'],
      maxTemplatesPerConnection: config['max-templates-per-connection'],
      maxTemplatesPerIp: config['max-templates-per-ip'],
      drainWindowMs: config['drain-window-ms'],
      headersTimeoutMs: config['headers-timeout-ms'],
      requestTimeoutMs: config['request-timeout-ms'],
      subscriptionsApi: config['subscriptions-api'] ?? dev,
      presenceLeaseMs: config['presence-lease-ms'],
      compression:
        config.compression !== false && config['no-compression'] !== true
          ? { maxStreams: config['compression-max-streams'] }
          : false,
      slowConsumers: {
        ...Object.fromEntries(config.conflate.map((selector) => [selector, { policy: 'conflate' as const }])),
        ...config['slow-consumers'],
      },
      ...(config['no-dashboard'] === true
        ? {}
        : {
            extension: (host: DashboardHost) =>
              createDashboard(host, { ...demoSignIn(keys, dev), ...loopbackSignIn(keys, dev) }),
          }),
      ...keys,
      ...(role === undefined ? {} : { metricsText: role.metricsText }),
    };
    const hub = await createHub(options);
    const address = await hub.listen(config.port, config.host, credentials === undefined ? {} : { tls: credentials });
    const stopReloading = tls === undefined ? undefined : reloadTlsOnSighup(hub, tls, logger);
    const demo =
      runDemo && (role?.index ?? 0) === 0
        ? startDemoPublisher(hub, { onError: (error) => logger.warn({ err: error }, 'demo publish failed') })
        : undefined;
    const origin = `${scheme}://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
    if (role === undefined) {
      console.log(`hotline hub listening on ${origin}/.well-known/mercure (log: ${log.kind})`);
      if (credentials !== undefined) announceTls(credentials, logger);
    } else {
      role.instrument(hub.metrics, hub.stats);
      role.listening(origin, log.kind);
    }
    if (dev && (role?.index ?? 0) === 0 && keys.publisherKey !== undefined && 'secret' in keys.publisherKey) {
      // curl must be told to trust the certificate the hub serves (self-signed in development).
      const curlTls = tls === undefined ? '' : ` --cacert ${tls.certPath}`;
      await printDevTokens(keys.publisherKey.secret, origin, dataDir, curlTls, config['jwt-audience']);
    }
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      role?.drainRequested.then(stop);
    });
    // Graceful drain, bounded: past the window plus a margin, close whatever is left and exit anyway.
    const deadline = setTimeout(() => void hub.close(), config['drain-window-ms'] + 5_000);
    deadline.unref();
    demo?.stop();
    stopReloading?.();
    await hub.drain();
    clearTimeout(deadline);
    await log.close();
    role?.leave();
    logger.info('stopped');
    return 0;
  },
};
