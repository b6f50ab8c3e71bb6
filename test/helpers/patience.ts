// How long a test helper waits for the daemon or a workload. AURAE_TEST_PATIENCE multiplies every such wait where
// everything runs several times slower than on the host: the v2 lane's guest under QEMU TCG sets it (test/v2).
const factor = Number(process.env.AURAE_TEST_PATIENCE ?? "1");
if (!(factor >= 1)) throw new Error(`AURAE_TEST_PATIENCE: must be a number of at least 1, got "${process.env.AURAE_TEST_PATIENCE}"`);

/** `ms` stretched by AURAE_TEST_PATIENCE. */
export const patience = (ms: number): number => ms * factor;
