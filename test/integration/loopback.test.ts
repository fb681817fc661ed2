import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { LocalStack } from "../../infra/local/stack.ts";
import { startTestStack } from "./local-stack.ts";
import { decodeAddress, LOOPBACK, listeningOn, portOf } from "./sockets.ts";

let stack: LocalStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

/** The addresses the kernel says something listens on at this endpoint's port. */
const addressesOf = (endpoint: string) =>
  listeningOn(portOf(endpoint)).map((socket) => socket.address);

describe("every server of the local stack listens on loopback only", () => {
  it("reads the kernel's addresses as text", () => {
    expect(decodeAddress("0100007F")).toBe("127.0.0.1");
    expect(decodeAddress("00000000")).toBe("0.0.0.0");
    expect(decodeAddress("00000000000000000000000001000000")).toBe("::1");
    expect(decodeAddress("00000000000000000000000000000000")).toBe("::");
    expect(decodeAddress("0000000000000000FFFF00000100007F")).toBe("::ffff:7f00:1");
  });

  it.each([
    ["DynamoDB Local", () => inject("dynamoEndpoint")],
    ["fauxqs", () => inject("sqsEndpoint")],
    ["the HTTP API", () => stack.url],
    ["the EventBridge endpoint", () => stack.eventsEndpoint],
  ])("%s", (_, endpoint) => {
    // Assess: a socket, and only on 127.0.0.1 or ::1 (never 0.0.0.0, ::, or a mapped address)
    const addresses = addressesOf(endpoint());
    expect(addresses.length).toBeGreaterThan(0);
    for (const address of addresses) expect(LOOPBACK).toContain(address);
  });
});
