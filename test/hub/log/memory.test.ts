import { createMemoryLog } from '../../../src/hub/log/memory.js';
import { eventLogContract } from './contract.js';

eventLogContract(
  'memory',
  { open: async (_name, retention) => createMemoryLog(retention) },
  { durable: false, shared: false },
);
