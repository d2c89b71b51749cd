// BIFROST Lab's light front end for Voila pages: renders the notebook's widget outputs and talks to
// the page's kernel over its websocket. It replaces Voila's JupyterLab application (~4 MB of
// JavaScript) on the pages that need nothing but ipywidgets and anywidget (docs/benchmarks.md).
import * as base from "@jupyter-widgets/base";
import { ManagerBase } from "@jupyter-widgets/base-manager";
import * as controls from "@jupyter-widgets/controls";
import { Widget } from "@lumino/widgets";
import "@jupyter-widgets/controls/css/materialcolors.css";
import "@jupyter-widgets/base/css/index.css";
import "@jupyter-widgets/controls/css/widgets-base.css";

const config = JSON.parse(document.getElementById("jupyter-config-data").textContent);
const baseUrl = config.baseUrl || "/";
const session = uuid();

// 32 hex digits. (crypto.randomUUID exists only in secure contexts; a venue's http://<LAN address> is not one.)
function uuid() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

// -- the kernel websocket (Jupyter's legacy websocket protocol: JSON text, binary for buffers) -------------

function serialize(msg) {
  const buffers = msg.buffers || [];
  if (!buffers.length) return JSON.stringify({ ...msg, buffers: [] });
  const json = new TextEncoder().encode(JSON.stringify({ ...msg, buffers: undefined }));
  const parts = [json, ...buffers.map((b) => new Uint8Array(b.buffer || b, b.byteOffset || 0, b.byteLength))];
  const offsets = [4 * (parts.length + 1)];
  for (let i = 0; i < parts.length - 1; i++) offsets.push(offsets[i] + parts[i].byteLength);
  const out = new Uint8Array(offsets[offsets.length - 1] + parts[parts.length - 1].byteLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, parts.length);
  parts.forEach((part, i) => {
    view.setUint32(4 * (i + 1), offsets[i]);
    out.set(part, offsets[i]);
  });
  return out.buffer;
}

function deserialize(data) {
  if (typeof data === "string") return JSON.parse(data);
  const view = new DataView(data);
  const count = view.getUint32(0);
  const offsets = [];
  for (let i = 0; i < count; i++) offsets.push(view.getUint32(4 * (i + 1)));
  offsets.push(data.byteLength);
  const msg = JSON.parse(new TextDecoder().decode(new Uint8Array(data, offsets[0], offsets[1] - offsets[0])));
  msg.buffers = [];
  for (let i = 1; i < count; i++) msg.buffers.push(new DataView(data, offsets[i], offsets[i + 1] - offsets[i]));
  return msg;
}

class Kernel {
  constructor(id) {
    this.id = id;
    this.comms = new Map();
    this.targets = new Map();
    this.callbacks = new Map(); // msg_id -> callbacks of the comm message that caused it
    this.queue = [];
    this.connect();
  }

  connect() {
    const url = new URL(`${baseUrl}api/kernels/${this.id}/channels?session_id=${session}`, window.location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    this.ws = new WebSocket(url);
    this.ws.binaryType = "arraybuffer";
    this.ws.onopen = () => {
      this.retries = 0;
      for (const data of this.queue.splice(0)) this.ws.send(data);
    };
    this.ws.onmessage = (event) => this.receive(deserialize(event.data));
    this.ws.onclose = () => {
      // A websocket cut by the network comes back to the same kernel; a kernel that is gone is
      // noticed by the page template, which reloads the page.
      if ((this.retries = (this.retries || 0) + 1) <= 30) setTimeout(() => this.connect(), Math.min(5000, 250 * this.retries));
    };
  }

  send(channel, msgType, content, metadata = {}, buffers = []) {
    const msg = {
      header: { msg_id: uuid(), msg_type: msgType, session, username: "", date: new Date().toISOString(), version: "5.3" },
      parent_header: {},
      metadata,
      content,
      channel,
      buffers,
    };
    const data = serialize(msg);
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(data);
    else this.queue.push(data);
    return msg.header.msg_id;
  }

  receive(msg) {
    const type = msg.header.msg_type;
    const parent = msg.parent_header && msg.parent_header.msg_id;
    const callbacks = parent && this.callbacks.get(parent);
    if (callbacks) {
      if (msg.channel === "iopub" && callbacks.iopub) {
        if (type === "status" && callbacks.iopub.status) callbacks.iopub.status(msg);
        else if (callbacks.iopub.output && ["stream", "display_data", "execute_result", "error"].includes(type)) callbacks.iopub.output(msg);
      } else if (msg.channel === "shell" && callbacks.shell && callbacks.shell.reply) {
        callbacks.shell.reply(msg);
      }
      if (type === "status" && msg.content.execution_state === "idle") this.callbacks.delete(parent);
    }
    if (type === "comm_open") {
      const handler = this.targets.get(msg.content.target_name);
      const comm = new Comm(this, msg.content.comm_id, msg.content.target_name);
      this.comms.set(comm.comm_id, comm);
      if (handler) handler(comm, msg);
    } else if (type === "comm_msg") {
      const comm = this.comms.get(msg.content.comm_id);
      if (comm) comm.handle(msg);
    } else if (type === "comm_close") {
      const comm = this.comms.get(msg.content.comm_id);
      if (comm) {
        this.comms.delete(comm.comm_id);
        comm.handleClose(msg);
      }
    } else if (type === "comm_info_reply" && this.infoWaiter) {
      this.infoWaiter(msg.content.comms || {});
    }
  }

  commInfo(target) {
    return new Promise((resolve) => {
      this.infoWaiter = resolve;
      this.send("shell", "comm_info_request", { target_name: target });
    });
  }
}

class Comm {
  constructor(kernel, id, target) {
    this.kernel = kernel;
    this.comm_id = id;
    this.target_name = target;
    this.msgHandlers = [];
    this.closeHandlers = [];
  }

  _send(type, content, callbacks, metadata, buffers) {
    const msgId = this.kernel.send("shell", type, content, metadata || {}, buffers || []);
    if (callbacks) this.kernel.callbacks.set(msgId, callbacks);
    return msgId;
  }

  open(data, callbacks, metadata, buffers) {
    this.kernel.comms.set(this.comm_id, this);
    return this._send("comm_open", { comm_id: this.comm_id, target_name: this.target_name, data }, callbacks, metadata, buffers);
  }

  send(data, callbacks, metadata, buffers) {
    return this._send("comm_msg", { comm_id: this.comm_id, data }, callbacks, metadata, buffers);
  }

  close(data, callbacks, metadata, buffers) {
    this.kernel.comms.delete(this.comm_id);
    return this._send("comm_close", { comm_id: this.comm_id, data: data || {} }, callbacks, metadata, buffers);
  }

  on_msg(callback) {
    this.msgHandlers.push(callback);
  }

  on_close(callback) {
    this.closeHandlers.push(callback);
  }

  handle(msg) {
    for (const callback of this.msgHandlers) callback(msg);
  }

  handleClose(msg) {
    for (const callback of this.closeHandlers) callback(msg);
  }
}

// -- anywidget (the browser bridge): the model runs its own ES module ----------------------------------------

const esmCache = new Map();
function loadEsm(source) {
  if (!esmCache.has(source)) {
    // A URL is one line without spaces (anywidget's dev server, or a served file); a module's source has
    // lines, and may well start with a "// comment".
    const isUrl = !/\s/.test(source.trim()) && (/^https?:\/\//.test(source) || /^\/[^/]/.test(source));
    const url = isUrl ? source : URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
    esmCache.set(source, import(/* webpackIgnore: true */ url));
  }
  return esmCache.get(source);
}

function facade(model, context) {
  return {
    get: (name) => model.get(name),
    set: (name, value) => model.set(name, value),
    save_changes: () => model.save_changes(),
    send: (content, callbacks, buffers) => model.send(content, callbacks, buffers),
    on: (name, callback) => model.on(name, callback, context),
    off: (name, callback) => model.off(name, callback, context),
    widget_manager: model.widget_manager,
  };
}

class AnyModel extends base.DOMWidgetModel {
  initialize(attributes, options) {
    super.initialize(attributes, options);
    const css = this.get("_css");
    if (css) {
      const style = document.createElement("style");
      style.textContent = css;
      document.head.appendChild(style);
    }
    this.widgetDefinition = loadEsm(this.get("_esm")).then(async (module) => {
      let definition = module.default || module;
      if (typeof definition === "function") definition = await definition();
      if (definition.initialize) await definition.initialize({ model: facade(this, this), experimental: {} });
      return definition;
    });
  }
}

class AnyView extends base.DOMWidgetView {
  async render() {
    const definition = await this.model.widgetDefinition;
    if (definition.render) {
      this.cleanup = await definition.render({ model: facade(this.model, this), el: this.el, experimental: {} });
    }
  }

  remove() {
    if (typeof this.cleanup === "function") this.cleanup();
    return super.remove();
  }
}

const anywidget = { AnyModel, AnyView };

// -- the widget manager ------------------------------------------------------------------------------------

class Manager extends ManagerBase {
  constructor(kernel) {
    super();
    this.kernel = kernel;
    kernel.targets.set(this.comm_target_name, (comm, msg) => this.handle_comm_open(comm, msg));
  }

  async loadClass(className, moduleName) {
    const module = { "@jupyter-widgets/base": base, "@jupyter-widgets/controls": controls, anywidget }[moduleName];
    if (!module || !module[className]) throw new Error(`no widget class ${moduleName}.${className}`);
    return module[className];
  }

  async _create_comm(target, modelId, data, metadata, buffers) {
    const comm = new Comm(this.kernel, modelId || uuid(), target);
    if (data || metadata) comm.open(data, {}, metadata, buffers);
    else this.kernel.comms.set(comm.comm_id, comm);
    return comm;
  }

  async _get_comm_info() {
    return this.kernel.commInfo(this.comm_target_name);
  }
}

// -- the page ----------------------------------------------------------------------------------------------

function renderOutput(manager, output, host) {
  const data = output.data || {};
  const view = data["application/vnd.jupyter.widget-view+json"];
  const node = document.createElement("div");
  node.className = "lm-Widget jp-OutputArea-output";
  host.appendChild(node);
  if (view) {
    return manager
      .get_model(view.model_id)
      .then((model) => manager.create_view(model))
      .then((widgetView) => Widget.attach(widgetView.luminoWidget, node));
  }
  if (data["text/html"]) node.innerHTML = [].concat(data["text/html"]).join("");
  else if (output.output_type === "stream") node.textContent = [].concat(output.text).join("");
  else if (output.output_type === "error") node.textContent = `${output.ename}: ${output.evalue}`;
  else if (data["text/plain"]) node.textContent = [].concat(data["text/plain"]).join("");
  return Promise.resolve();
}

function show() {
  const loading = document.getElementById("loading");
  if (loading) loading.remove();
  const cells = document.getElementById("rendered_cells");
  if (cells) cells.style.display = "";
}

async function main() {
  const kernel = new Kernel(config.kernelId);
  const manager = new Manager(kernel);
  window.addEventListener("beforeunload", () => {
    // Voila's tab-close shutdown (the template sets the _xsrf cookie it needs).
    const xsrf = (document.cookie.match(/(?:^|; )_xsrf=([^;]*)/) || [])[1];
    const form = new FormData();
    if (xsrf) form.append("_xsrf", decodeURIComponent(xsrf));
    navigator.sendBeacon(`${baseUrl}voila/api/shutdown/${config.kernelId}`, form);
  });
  try {
    await manager._loadFromKernel();
  } catch (error) {
    console.error("widget state", error);
  }
  const outputs = Array.from(document.querySelectorAll('script[type="application/vnd.voila.cell-output+json"]'));
  await Promise.all(
    outputs.map((script) => {
      const host = document.createElement("div");
      host.className = "jp-OutputArea-child";
      script.replaceWith(host);
      return renderOutput(manager, JSON.parse(script.textContent), host).catch((error) => console.error(error));
    }),
  );
  show();
  window.bifrostWidgetManager = manager;
}


if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", main);
else main();
