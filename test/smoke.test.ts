import t from 'tap';
import { ClearError } from '../src/lib/errors';
t.test('ClearError keeps message', async (t) => { t.equal(new ClearError('x').message, 'x'); });
