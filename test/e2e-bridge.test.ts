/**
 * The e2e suite's docker bridge takes a 10.213.N.0/24 no host route covers
 * yet: a bridge left behind by a killed run once took the host's traffic
 * for `-p` ports to its own, dead, link.
 */
import t from 'tap';
import { freeBridgeCidr } from './e2e/lib/engines';

const routes = [
  'default via 192.0.2.1 dev eth0',
  '10.213.113.0/24 dev ce2e20693 proto kernel scope link src 10.213.113.1 linkdown',
  '10.213.114.128/25 dev other scope link',
  '10.213.0.0/16 via 192.0.2.9 dev eth0',
  'local 10.213.115.1 dev ce2e1 table local proto kernel scope host src 10.213.115.1',
].join('\n');

t.equal(freeBridgeCidr('', 93), '10.213.113.1/24', 'the subnet follows the pid when nothing is in the way');
t.equal(freeBridgeCidr(routes, 93), '10.213.116.1/24', 'routed /24s, and narrower ones inside a /24, are passed over; a wider route is not in the way');
t.equal(freeBridgeCidr('10.213.219.0/24 dev x', 199), '10.213.20.1/24', 'the search wraps around');
t.throws(
  () => freeBridgeCidr(Array.from({ length: 200 }, (_, i) => `10.213.${i + 20}.0/24 dev x`).join('\n'), 0),
  /no free 10\.213\.N\.0\/24/,
  'every /24 taken: a clear error, not a colliding bridge',
);
