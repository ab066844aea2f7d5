import { createMemoryLog } from '../../../src/hub/log/memory.js';
import { stateOnSubscribeSuite } from './state-suite.js';

stateOnSubscribeSuite({ name: 'memory', open: async () => createMemoryLog(), shared: false, skip: false });
