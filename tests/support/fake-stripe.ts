/**
 * A small local Stripe: the endpoints the app uses, over HTTP, for the official SDK pointed at it
 * (STRIPE_API_URL). No network reaches Stripe here, and Stripe's own mock only checks shapes; this
 * one keeps state and behaves as Stripe does where our money depends on it:
 *  - every POST honours its Idempotency-Key: a replay gets the first answer; the same key with
 *    other parameters is a 400 idempotency_error;
 *  - cards decide payments like Stripe's test cards: 4242… succeeds, 4000000000000002 is
 *    declined, 4000002760003184 needs the card holder (off-session: authentication_required);
 *  - Checkout in setup mode has a page where the "card holder" chooses a test card; a
 *    PaymentIntent waiting on its holder has a page to authenticate (or fail) it;
 *  - events are signed with the webhook secret (the SDK's own test header) and delivered to the
 *    webhook URL, or held for a test to deliver when and in what order it likes.
 * `dropResponses` makes it do the work and then cut the connection (a lost answer: the SDK
 * retries with the same key). As a process: tsx tests/support/fake-stripe.ts <port> <webhook url> <secret>;
 * GET /_fake/state returns what it holds.
 */
import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import Stripe from "stripe";

type Obj = Record<string, unknown> & { id: string };
type Params = Record<string, unknown>;
export interface FakeEvent {
  id: string;
  type: string;
  payload: string;
}

export const CARDS = {
  visa: { number: "4242424242424242", brand: "visa", last4: "4242", outcome: "succeeds" },
  declined: { number: "4000000000000002", brand: "visa", last4: "0002", outcome: "declined" },
  authenticate: { number: "4000002760003184", brand: "visa", last4: "3184", outcome: "authenticate" },
} as const;
export type CardName = keyof typeof CARDS;

/** Parses Stripe's form encoding (a[b]=1, c[]=2, c[0]=2) into nested objects and arrays. */
export function parseForm(body: string): Params {
  const out: Params = {};
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const [head, ...rest] = [...rawKey.matchAll(/^[^[]+|\[([^\]]*)\]/g)].map((m) => (m[0].startsWith("[") ? m[1]! : m[0]));
    let at = out as Record<string, unknown>;
    const path = [head!, ...rest];
    path.forEach((part, i) => {
      const name = part === "" ? String(Object.keys(at).length) : part;
      if (i === path.length - 1) at[name] = value;
      else at = (at[name] ??= {}) as Record<string, unknown>;
    });
  }
  // Objects keyed 0, 1, 2… are arrays.
  const arrays = (v: unknown): unknown => {
    if (!v || typeof v !== "object") return v;
    const entries = Object.entries(v as Params).map(([k, x]) => [k, arrays(x)] as const);
    return entries.length > 0 && entries.every(([k], i) => k === String(i)) ? entries.map(([, x]) => x) : Object.fromEntries(entries);
  };
  return arrays(out) as Params;
}

const now = () => Math.floor(Date.now() / 1000);
const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString("hex")}`;

export class FakeStripe {
  readonly secret: string;
  webhookUrl: string | null;
  /** Hold events instead of delivering them (a test delivers them with deliver()). */
  holdEvents = false;
  /** Cut the connection after doing the work, for this many coming POSTs to /v1/payment_intents. */
  dropResponses = 0;
  /** Answer POSTs to /v1/payment_intents this many ms after doing the work (a slow network: a caller may die waiting). */
  responseDelayMs = 0;
  /** PaymentIntents made whose answers are still being held back (responseDelayMs). */
  answersInFlight = 0;
  readonly customers = new Map<string, Obj>();
  readonly paymentMethods = new Map<string, Obj>();
  readonly setupIntents = new Map<string, Obj>();
  readonly sessions = new Map<string, Obj>();
  readonly paymentIntents = new Map<string, Obj>();
  readonly refunds = new Map<string, Obj>();
  readonly events: FakeEvent[] = [];
  readonly deliveries: { eventId: string; status: number }[] = [];
  private idempotency = new Map<string, { hash: string; status: number; body: string }>();
  private server: http.Server | null = null;
  private pending: Promise<unknown>[] = [];
  private stripe = new Stripe("sk_test_fake", { telemetry: false });
  port = 0;

  /** Instead of a URL: a function that takes the raw body and signature and answers a status (unit tests). */
  receiver: ((payload: string, signature: string) => Promise<number>) | null;

  constructor(opts: { secret: string; webhookUrl?: string | null; receiver?: (payload: string, signature: string) => Promise<number> }) {
    this.secret = opts.secret;
    this.webhookUrl = opts.webhookUrl ?? null;
    this.receiver = opts.receiver ?? null;
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  async listen(port = 0): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(port, "127.0.0.1", r));
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  async close() {
    await this.settled();
    await new Promise((r) => this.server?.close(r));
    this.server?.closeAllConnections();
  }

  /** Waits for every event delivery started so far. */
  async settled() {
    while (this.pending.length) await Promise.allSettled(this.pending.splice(0));
  }

  /** A customer with a saved card, made directly (tests that do not walk through Checkout). */
  customerWithCard(card: CardName, workspaceId: string) {
    const customer = this.put(this.customers, { id: newId("cus"), object: "customer", metadata: { workspace_id: workspaceId }, invoice_settings: { default_payment_method: null } });
    const pm = this.newCard(card, customer.id);
    (customer.invoice_settings as Params).default_payment_method = pm.id;
    return { customerId: customer.id, paymentMethodId: pm.id, brand: CARDS[card].brand, last4: CARDS[card].last4 };
  }

  /** PaymentIntents made for a decision key (metadata.decision_key). */
  intentsFor(key: string) {
    return [...this.paymentIntents.values()].filter((pi) => (pi.metadata as Params)?.decision_key === key);
  }

  /** Signs and posts one event to the webhook URL (again, if it was delivered before); returns the HTTP status. */
  async deliver(eventId: string, opts: { secret?: string } = {}): Promise<number> {
    const event = this.events.find((e) => e.id === eventId);
    if (!event || !(this.webhookUrl || this.receiver)) throw new Error(`no event ${eventId} or nowhere to deliver it`);
    const header = this.stripe.webhooks.generateTestHeaderString({ payload: event.payload, secret: opts.secret ?? this.secret });
    const status = this.receiver
      ? await this.receiver(event.payload, header)
      : (await fetch(this.webhookUrl!, { method: "POST", headers: { "content-type": "application/json", "stripe-signature": header }, body: event.payload })).status;
    this.deliveries.push({ eventId, status });
    return status;
  }

  private emit(type: string, object: Obj) {
    const event = { id: newId("evt"), object: "event", type, created: now(), api_version: "2025-01-01", livemode: false, data: { object: structuredClone(object) } };
    const e = { id: event.id, type, payload: JSON.stringify(event) };
    this.events.push(e);
    if (!this.holdEvents && (this.webhookUrl || this.receiver)) {
      const p = new Promise((r) => setTimeout(r, 5)).then(() => this.deliver(e.id)).catch(() => undefined);
      this.pending.push(p);
    }
  }

  private put(map: Map<string, Obj>, obj: Obj) {
    map.set(obj.id, obj);
    return obj;
  }

  private newCard(card: CardName, customer: string | null) {
    return this.put(this.paymentMethods, { id: newId("pm"), object: "payment_method", type: "card", customer, card: { brand: CARDS[card].brand, last4: CARDS[card].last4, exp_month: 12, exp_year: 2034 }, metadata: { fake_card: card } });
  }

  private cardOf(pmId: unknown): CardName | null {
    const pm = typeof pmId === "string" ? this.paymentMethods.get(pmId) : undefined;
    return pm ? ((pm.metadata as Params).fake_card as CardName) : null;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
    let body = "";
    for await (const chunk of req) body += chunk;
    const url = new URL(req.url ?? "/", this.url);
    const send = (status: number, payload: unknown, headers: Record<string, string> = { "content-type": "application/json" }) => {
      res.writeHead(status, headers);
      res.end(typeof payload === "string" ? payload : JSON.stringify(payload));
    };
    try {
      if (url.pathname === "/_fake/state") return send(200, this.state());
      if (url.pathname.startsWith("/checkout/")) return this.checkoutPage(req.method!, url, body, send);
      if (url.pathname.startsWith("/authenticate/")) return this.authenticatePage(req.method!, url, body, send);
      if (!url.pathname.startsWith("/v1/")) return send(404, { error: { type: "invalid_request_error", message: "Unrecognized request URL." } });
      if (!/^Bearer (sk|rk)_/.test(req.headers.authorization ?? "")) return send(401, { error: { type: "invalid_request_error", message: "Invalid API Key provided." } });
      const params = req.method === "GET" ? parseForm(url.search.slice(1)) : parseForm(body);
      const key = req.headers["idempotency-key"];
      if (req.method === "POST" && typeof key === "string") {
        const hash = createHash("sha256").update(`${url.pathname}\n${body}`).digest("hex");
        const first = this.idempotency.get(key);
        if (first) {
          if (first.hash !== hash) return send(400, { error: { type: "idempotency_error", message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}'.` } });
          return send(first.status, first.body, { "content-type": "application/json", "idempotent-replayed": "true" });
        }
        const [status, payload] = this.route(req.method, url.pathname, params);
        const text = JSON.stringify(payload);
        this.idempotency.set(key, { hash, status, body: text });
        if (url.pathname === "/v1/payment_intents") {
          if (this.dropResponses > 0) {
            this.dropResponses--;
            req.socket.destroy();
            return;
          }
          if (this.responseDelayMs > 0) {
            this.answersInFlight++;
            await new Promise((r) => setTimeout(r, this.responseDelayMs)).finally(() => this.answersInFlight--);
          }
        }
        return send(status, text);
      }
      const [status, payload] = this.route(req.method!, url.pathname, params);
      return send(status, payload);
    } catch (err) {
      return send(500, { error: { type: "api_error", message: String(err) } });
    }
  }

  private notFound(what: string, id: string): [number, unknown] {
    return [404, { error: { type: "invalid_request_error", code: "resource_missing", message: `No such ${what}: '${id}'` } }];
  }

  private route(method: string, path: string, p: Params): [number, unknown] {
    let m: RegExpMatchArray | null;
    if (method === "POST" && path === "/v1/customers") {
      return [200, this.put(this.customers, { id: newId("cus"), object: "customer", name: p.name ?? null, metadata: p.metadata ?? {}, invoice_settings: { default_payment_method: null } })];
    }
    if ((m = path.match(/^\/v1\/customers\/([^/]+)$/))) {
      const c = this.customers.get(m[1]!);
      if (!c) return this.notFound("customer", m[1]!);
      if (method === "POST" && p.invoice_settings) c.invoice_settings = { ...(c.invoice_settings as Params), ...(p.invoice_settings as Params) };
      return [200, c];
    }
    if (method === "POST" && path === "/v1/checkout/sessions") {
      if (p.mode !== "setup") return [400, { error: { type: "invalid_request_error", message: "This fake only does setup mode." } }];
      if (!this.customers.has(String(p.customer))) return this.notFound("customer", String(p.customer));
      const id = newId("cs_test");
      return [200, this.put(this.sessions, { id, object: "checkout.session", mode: "setup", status: "open", customer: p.customer, setup_intent: null, success_url: p.success_url, cancel_url: p.cancel_url, metadata: p.metadata ?? {}, url: `${this.url}/checkout/${id}` })];
    }
    if (method === "GET" && (m = path.match(/^\/v1\/checkout\/sessions\/([^/]+)$/))) {
      const s = this.sessions.get(m[1]!);
      if (!s) return this.notFound("checkout.session", m[1]!);
      const expand = (p.expand as string[] | undefined) ?? [];
      const out = structuredClone(s);
      if (expand.some((e) => e.startsWith("setup_intent")) && typeof s.setup_intent === "string") {
        const si = structuredClone(this.setupIntents.get(s.setup_intent)!);
        if (expand.includes("setup_intent.payment_method")) si.payment_method = this.paymentMethods.get(String(si.payment_method)) ?? si.payment_method;
        out.setup_intent = si;
      }
      return [200, out];
    }
    if (method === "POST" && path === "/v1/payment_intents") return this.createIntent(p);
    if (method === "GET" && path === "/v1/payment_intents") {
      const data = [...this.paymentIntents.values()].filter((pi) => !p.customer || pi.customer === p.customer).reverse();
      return [200, { object: "list", data, has_more: false, url: "/v1/payment_intents" }];
    }
    if ((m = path.match(/^\/v1\/payment_intents\/([^/]+)(\/confirm|\/cancel)?$/))) {
      const pi = this.paymentIntents.get(m[1]!);
      if (!pi) return this.notFound("payment_intent", m[1]!);
      if (method === "GET") return [200, pi];
      if (m[2] === "/cancel") {
        if (pi.status === "succeeded") return [400, { error: { type: "invalid_request_error", code: "payment_intent_unexpected_state", message: "This PaymentIntent could not be canceled because it has a status of succeeded." } }];
        pi.status = "canceled";
        this.emit("payment_intent.canceled", pi);
        return [200, pi];
      }
      if (m[2] === "/confirm") {
        if (pi.status === "succeeded" || pi.status === "canceled") return [400, { error: { type: "invalid_request_error", code: "payment_intent_unexpected_state", message: `This PaymentIntent's status is ${pi.status}.` } }];
        if (p.payment_method) pi.payment_method = p.payment_method;
        return [200, this.confirm(pi, { offSession: false, returnUrl: (p.return_url as string) ?? null })];
      }
    }
    if (method === "POST" && path === "/v1/refunds") {
      const pi = this.paymentIntents.get(String(p.payment_intent));
      if (!pi) return this.notFound("payment_intent", String(p.payment_intent));
      if (pi.status !== "succeeded") return [400, { error: { type: "invalid_request_error", code: "charge_not_refundable", message: "This PaymentIntent has not succeeded." } }];
      if (pi.amount_refunded === pi.amount) return [400, { error: { type: "invalid_request_error", code: "charge_already_refunded", message: `Charge for ${pi.id} has already been refunded.` } }];
      pi.amount_refunded = pi.amount;
      const refund = this.put(this.refunds, { id: newId("re"), object: "refund", amount: pi.amount, payment_intent: pi.id, status: "succeeded", metadata: p.metadata ?? {} });
      this.emit("charge.refunded", pi);
      return [200, refund];
    }
    return [404, { error: { type: "invalid_request_error", message: `Unrecognized request URL (${method}: ${path}).` } }];
  }

  private createIntent(p: Params): [number, unknown] {
    const amount = Number(p.amount);
    if (!Number.isInteger(amount) || amount < 50) return [400, { error: { type: "invalid_request_error", param: "amount", message: "Amount must be at least $0.50 usd" } }];
    if (p.customer && !this.customers.has(String(p.customer))) return this.notFound("customer", String(p.customer));
    const pi = this.put(this.paymentIntents, {
      id: newId("pi"),
      object: "payment_intent",
      amount,
      amount_refunded: 0,
      currency: p.currency ?? "usd",
      customer: p.customer ?? null,
      payment_method: p.payment_method ?? null,
      description: p.description ?? null,
      metadata: p.metadata ?? {},
      status: "requires_confirmation",
      last_payment_error: null,
      next_action: null,
      created: now(),
    });
    this.emit("payment_intent.created", pi);
    if (p.confirm !== "true") return [200, pi];
    this.confirm(pi, { offSession: p.off_session === "true", returnUrl: (p.return_url as string) ?? null });
    if (pi.status === "requires_payment_method") {
      const error = pi.last_payment_error as Params;
      return [402, { error: { ...error, payment_intent: pi } }];
    }
    return [200, pi];
  }

  private confirm(pi: Obj, opts: { offSession: boolean; returnUrl: string | null }) {
    const card = this.cardOf(pi.payment_method);
    pi.last_payment_error = null;
    pi.next_action = null;
    if (card === "declined" || !card) {
      pi.status = "requires_payment_method";
      pi.last_payment_error = { type: "card_error", code: "card_declined", decline_code: "generic_decline", message: "Your card was declined." };
      this.emit("payment_intent.payment_failed", pi);
    } else if (card === "authenticate" && !pi.authenticated) {
      if (opts.offSession) {
        pi.status = "requires_payment_method";
        pi.last_payment_error = { type: "card_error", code: "authentication_required", message: "Your card was declined. This transaction requires authentication." };
        this.emit("payment_intent.payment_failed", pi);
      } else {
        pi.status = "requires_action";
        pi.return_url = opts.returnUrl;
        pi.next_action = { type: "redirect_to_url", redirect_to_url: { url: `${this.url}/authenticate/${pi.id}`, return_url: opts.returnUrl } };
        this.emit("payment_intent.requires_action", pi);
      }
    } else {
      pi.status = "succeeded";
      this.emit("payment_intent.succeeded", pi);
    }
    return pi;
  }

  private html(title: string, inner: string) {
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title><meta name="viewport" content="width=device-width"></head><body style="font-family:sans-serif;max-width:32rem;margin:2rem auto"><p><strong>Fake Stripe</strong> (tests only: no money moves)</p><h1>${title}</h1>${inner}</body></html>`;
  }

  private checkoutPage(method: string, url: URL, body: string, send: (s: number, p: unknown, h?: Record<string, string>) => void) {
    const id = url.pathname.split("/")[2]!;
    const s = this.sessions.get(id);
    if (!s) return send(404, this.html("Not found", ""), { "content-type": "text/html" });
    if (method === "GET") {
      const options = Object.entries(CARDS)
        .map(([name, c], i) => `<label style="display:block;margin:.5rem 0"><input type="radio" name="card" value="${name}"${i === 0 ? " checked" : ""}> ${c.number} (${c.outcome})</label>`)
        .join("");
      return send(200, this.html("Save a card", `<form method="post"><fieldset><legend>Test card</legend>${options}</fieldset><button type="submit">Save card</button></form><p><a href="${s.cancel_url}">Cancel</a></p>`), { "content-type": "text/html" });
    }
    const card = (new URLSearchParams(body).get("card") ?? "visa") as CardName;
    if (s.status !== "complete") {
      const pm = this.newCard(card in CARDS ? card : "visa", String(s.customer));
      const si = this.put(this.setupIntents, { id: newId("seti"), object: "setup_intent", status: "succeeded", customer: s.customer, payment_method: pm.id, usage: "off_session" });
      s.setup_intent = si.id;
      s.status = "complete";
      this.emit("checkout.session.completed", s);
    }
    const to = String(s.success_url).replace("{CHECKOUT_SESSION_ID}", id);
    return send(303, "", { location: to });
  }

  private authenticatePage(method: string, url: URL, body: string, send: (s: number, p: unknown, h?: Record<string, string>) => void) {
    const id = url.pathname.split("/")[2]!;
    const pi = this.paymentIntents.get(id);
    if (!pi) return send(404, this.html("Not found", ""), { "content-type": "text/html" });
    if (method === "GET") {
      return send(200, this.html("Confirm the payment", `<p>${(Number(pi.amount) / 100).toFixed(2)} USD: ${pi.description ?? ""}</p><form method="post"><button name="outcome" value="complete">Complete authentication</button> <button name="outcome" value="fail">Fail authentication</button></form>`), { "content-type": "text/html" });
    }
    if (pi.status === "requires_action") {
      if (new URLSearchParams(body).get("outcome") === "fail") {
        pi.status = "requires_payment_method";
        pi.next_action = null;
        pi.last_payment_error = { type: "card_error", code: "payment_intent_authentication_failure", message: "The card holder did not confirm the payment." };
        this.emit("payment_intent.payment_failed", pi);
      } else {
        pi.authenticated = true;
        pi.next_action = null;
        pi.status = "succeeded";
        this.emit("payment_intent.succeeded", pi);
      }
    }
    return send(303, "", { location: String(pi.return_url ?? this.url) });
  }

  state() {
    return {
      paymentIntents: [...this.paymentIntents.values()].map((pi) => ({ id: pi.id, key: (pi.metadata as Params).decision_key, amount: pi.amount, status: pi.status, refunded: pi.amount_refunded })),
      refunds: [...this.refunds.values()].map((r) => ({ id: r.id, paymentIntent: r.payment_intent, amount: r.amount })),
      events: this.events.map((e) => ({ id: e.id, type: e.type })),
      deliveries: this.deliveries,
      customers: [...this.customers.values()].map((c) => ({ id: c.id, defaultPaymentMethod: (c.invoice_settings as Params).default_payment_method })),
    };
  }
}

// As a process (the e2e's webServer): port, webhook URL, signing secret.
if (process.argv[1]?.endsWith("fake-stripe.ts") && process.argv[2]) {
  const [port, webhookUrl, secret] = process.argv.slice(2);
  void new FakeStripe({ secret: secret ?? "whsec_fake", webhookUrl: webhookUrl ?? null }).listen(Number(port)).then((f) => console.log(`fake Stripe at ${f.url}, webhooks to ${f.webhookUrl}`));
}
