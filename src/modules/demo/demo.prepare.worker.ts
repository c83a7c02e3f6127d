import { parentPort, workerData } from 'node:worker_threads';
import { preparedUnits, type PrepareOptions, type WorkerReply } from './demo.prepare.js';

/**
 * The worker of `prepareInWorker`: answers each 'next' with the next prepared unit in plan order,
 * then with `done` (or the error that stopped it).
 */
const units = preparedUnits(workerData as PrepareOptions);

function nextUnit(): WorkerReply {
  try {
    for (let item = units.next(); ; item = units.next()) {
      if (item.done) return { done: true };
      if (item.value !== 'tick') return { done: false, unit: item.value };
    }
  } catch (error) {
    return { done: true, error: error instanceof Error ? error : new Error(String(error)) };
  }
}

parentPort!.on('message', () => parentPort!.postMessage(nextUnit()));
