// Loaded with `--import` into a router process for the "before" variant of the router scenario: every socket keeps
// Nagle's algorithm on whatever the code asks, as rabbitmq-client's default left the router's connection before
// the router turned it off. Nothing else changes, so the two variants differ only in that.
import { Socket } from 'node:net';

const setNoDelay = Socket.prototype.setNoDelay;
Socket.prototype.setNoDelay = function keepNagle(this: Socket) {
  return setNoDelay.call(this, false);
};
