// Shared test setup: property tests are reproducible (a fixed seed in CI, or FC_SEED to replay).
import fc from 'fast-check';

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261122), numRuns: Number(process.env.FC_RUNS ?? 100) });
