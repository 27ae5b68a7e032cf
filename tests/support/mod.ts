/**
 * Shared end-to-end test helpers: upstream servers with a test CA, a test proxy, and curl.
 *
 * @module
 */

export { startTestUpstreams } from "./test_upstreams.ts";
export type { RecordedRequest, TestUpstreamOptions, TestUpstreams } from "./test_upstreams.ts";
export { startTestProxy, TEST_SKILL_PATH } from "./test_proxy.ts";
export type { TestProxy, TestProxyOptions } from "./test_proxy.ts";
export { curl, curlArgs } from "./curl.ts";
export type { CurlOptions, CurlResult, CurlTransfer } from "./curl.ts";
export { exchangeOn, rawRequest, writeAll } from "./raw_client.ts";
export type { RawOptions, RawResponse } from "./raw_client.ts";
export { tunnelRequest } from "./tunnel_client.ts";
export { startH2Upstream } from "./h2_upstream.ts";
export type { H2Recorded, H2TestUpstream } from "./h2_upstream.ts";
export { startH2Origin } from "./h2_origin.ts";
export type { H2Origin } from "./h2_origin.ts";
export { h2TunnelClient } from "./h2_tunnel_script.ts";
export type { H2TunnelClientOptions } from "./h2_tunnel_script.ts";
export { nodeH2Requests } from "./h2_client.ts";
export { startRetiringOrigin } from "./retiring_h2_origin.ts";
export type { RetiringMode, RetiringOrigin } from "./retiring_h2_origin.ts";
export type { H2ClientRequest, H2ClientResponse, H2ClientResult } from "./h2_client.ts";
export {
  H2,
  H2_PREFACE,
  h2Frame,
  h2Headers,
  h2Reset,
  openH2Tunnel,
  readH2Frames,
  windowUpdates,
} from "./h2_frames.ts";
export type { H2Frame } from "./h2_frames.ts";
export { H2FrameSplitter } from "./h2_frame_splitter.ts";
export { h2RequestFields, openH2Session } from "./open_h2_session.ts";
export type { H2SessionProxy } from "./open_h2_session.ts";
export { waitFor, waitForLines } from "./wait_for.ts";
export { holdConnects } from "./held_connects.ts";
export { syntheticPolicy } from "./synthetic_policy.ts";
export { AS_CURL, openPolicy } from "./open_policy.ts";
export { ITEMS_HOST, itemsPolicy, restPolicy } from "./rest_policy.ts";
export type { RestGrant } from "./rest_policy.ts";
export { withTestProxy } from "./with_test_proxy.ts";
export type { WithTestProxyOptions } from "./with_test_proxy.ts";
export { withH2World } from "./with_h2_world.ts";
export type { H2World, WithH2WorldOptions } from "./with_h2_world.ts";
export { captureCli, runCliIn, withPolicyWorkspace } from "./cli_harness.ts";
export type { CapturedCli, CaptureOptions } from "./cli_harness.ts";
export { firstLines } from "./first_lines.ts";
export { expectedNextSteps, l7Denial } from "./sample_decisions.ts";
export { evalWithProxyFlags } from "./eval_with_proxy_flags.ts";
export { revocablePolicy } from "./revocable_policy.ts";
export type { RevocableGrant } from "./revocable_policy.ts";
export { namedHostsPolicy, namedRoutes, originAt, withOrigins } from "./with_origins.ts";
export { skipWhenMissing } from "./skip_when_missing.ts";
export type { LocalOrigin, OriginRoute, OriginsWorld, WithOriginsOptions } from "./with_origins.ts";
export { UNCONFINED_TEAM_POLICY, withGatewaysBesideAgent } from "./with_gateways_beside_agent.ts";
export type { AgentRun, GatewaysBesideAgent, PolicyRepo } from "./with_gateways_beside_agent.ts";
export { withProposalDesk } from "./with_proposal_desk.ts";
export type { ProposalAnswer, ProposalDesk, ProposalDeskOptions } from "./with_proposal_desk.ts";
export { WebSocketOrigin } from "./websocket_origin.ts";
export type { SeenFrame } from "./websocket_origin.ts";
export { clientFrame, handshake, RawWebSocket } from "./websocket_client.ts";
export type { ReceivedFrame } from "./websocket_client.ts";
export { closedWith, openWebSocket, withWebSocketOrigin } from "./with_websocket_origin.ts";
export type { WithWebSocketOriginOptions } from "./with_websocket_origin.ts";
export { chatPolicy, withChatOrigin } from "./chat_policy.ts";
export type { ChatPolicyOptions, WithChatOriginOptions } from "./chat_policy.ts";
export { drainUntilQuiet } from "./drain_until_quiet.ts";
export type { Drained, DrainOptions } from "./drain_until_quiet.ts";
