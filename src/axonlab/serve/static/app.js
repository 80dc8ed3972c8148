// The try-it page: list the models, send the text, draw the answer. Plain DOM, no libraries.
// User text is only ever set through textContent, never parsed as HTML.
"use strict";

const $ = (id) => document.getElementById(id);
let models = [];

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function current() {
  return models.find((m) => m.name === $("model").value);
}

function showModelInfo() {
  const model = current();
  if (!model) return;
  const labels = model.labels.length ? ` · labels: ${model.labels.join(", ")}` : "";
  const role = model.assistant ? " · assistant: ask a question" : "";
  $("model-info").textContent = `${model.task} · ${model.backend}${labels}${role}`;
  $("generate-options").hidden = model.kind !== "generate";
  $("chat").hidden = !model.assistant;
  $("chat").replaceChildren();
  $("run").textContent = model.assistant ? "Ask" : model.kind === "recommend" ? "Recommend" : "Run";
  const recommender = model.kind === "recommend";
  $("text-label").textContent = recommender ? "User id" : "Text";
  $("text").rows = recommender ? 1 : 4;
  $("text").placeholder = recommender
    ? "A user id of the recommender's training data"
    : "Type a text, or a prompt for a language model";
}

async function loadModels() {
  const response = await fetch("/v1/models");
  models = (await response.json()).models;
  for (const model of models) {
    const option = el("option", null, `${model.name} (${model.task})`);
    option.value = model.name;
    $("model").append(option);
  }
  showModelInfo();
}

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = false;
}

async function errorMessage(response) {
  try {
    const body = await response.json();
    return typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
  } catch {
    return `${response.status} ${response.statusText}`;
  }
}

function drawLabels(scores, top) {
  const rows = Object.entries(scores).sort((a, b) => b[1] - a[1]);
  const box = el("div", "labels");
  for (const [label, score] of rows) {
    const row = el("div", label === top ? "bar-row top" : "bar-row");
    row.dataset.label = label;
    const bar = el("div", "bar");
    const fill = el("span");
    fill.style.width = `${(score * 100).toFixed(1)}%`;
    bar.append(fill);
    row.append(el("span", "name", label), bar, el("span", "value", score.toFixed(3)));
    box.append(row);
  }
  return box;
}

function drawEntities(text, prediction) {
  const box = el("p", "entities");
  let at = 0;
  for (const entity of prediction.entities) {
    box.append(document.createTextNode(text.slice(at, entity.start)));
    const mark = el("mark", null, text.slice(entity.start, entity.end));
    mark.dataset.type = entity.type;
    mark.title = `${entity.type} ${entity.score.toFixed(3)}`;
    mark.append(el("small", null, entity.type));
    box.append(mark);
    at = entity.end;
  }
  box.append(document.createTextNode(text.slice(at)));
  if (!prediction.entities.length) box.append(el("span", "muted", "  (no entities)"));
  return box;
}

async function predict(model, text) {
  const response = await fetch(`/v1/models/${encodeURIComponent(model.name)}/predict`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ inputs: text }),
  });
  if (!response.ok) return showError(await errorMessage(response));
  const prediction = (await response.json()).predictions[0];
  $("result").append(draw(text, prediction));
  if (model.explainable && !model.assistant) await explain(model, text);
}

// Which words made the classifier decide: green for the label, red against it, the strongest
// word of the text fully coloured (Integrated Gradients, POST /v1/models/{name}/explain).
async function explain(model, text) {
  const response = await fetch(`/v1/models/${encodeURIComponent(model.name)}/explain`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ inputs: text }),
  });
  if (!response.ok) return showError(await errorMessage(response));
  const explanation = (await response.json()).explanations[0];
  const strongest = Math.max(1e-12, ...explanation.words.map((w) => Math.abs(w.attribution)));
  const box = el("p", "explanation");
  box.title = `why ${explanation.label}: completeness error ${(100 * explanation.completeness_error).toFixed(2)}%`;
  let at = 0;
  for (const word of explanation.words) {
    box.append(document.createTextNode(text.slice(at, word.start)));
    const span = el("span", word.attribution >= 0 ? "for" : "against", text.slice(word.start, word.end));
    const alpha = Math.abs(word.attribution) / strongest;
    span.style.backgroundColor = word.attribution >= 0 ? `rgba(34,139,34,${alpha.toFixed(2)})` : `rgba(200,30,30,${alpha.toFixed(2)})`;
    span.dataset.attribution = word.attribution.toFixed(6);
    span.title = `${word.attribution >= 0 ? "+" : ""}${word.attribution.toFixed(4)}`;
    box.append(span);
    at = word.end;
  }
  box.append(document.createTextNode(text.slice(at)));
  $("result").append(el("p", "muted", `Why ${explanation.label}:`), box);
}

function draw(text, prediction) {
  if ("suggestions" in prediction) return drawIntent(prediction);
  if ("scores" in prediction) return drawLabels(prediction.scores, prediction.label);
  return drawEntities(text, prediction);
}

function drawIntent(prediction) {
  const box = el("div", "intent");
  const verdict = prediction.in_scope ? prediction.label : `${prediction.label} (out of scope)`;
  box.append(el("p", prediction.in_scope ? "verdict" : "verdict oos", verdict));
  const scores = Object.fromEntries(prediction.suggestions.map((s) => [s.label, s.score]));
  box.append(drawLabels(scores, prediction.in_scope ? prediction.label : null));
  return box;
}

async function ask(model, text) {
  const chat = $("chat");
  chat.append(el("p", "message user", text));
  const response = await fetch(`/v1/models/${encodeURIComponent(model.name)}/assist`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ inputs: text }),
  });
  if (!response.ok) return showError(await errorMessage(response));
  const reply = (await response.json()).replies[0];
  const message = el("div", `message bot ${reply.source}`);
  message.dataset.source = reply.source;
  message.append(el("p", "answer", reply.answer));
  message.append(el("p", "muted", `${reply.source} · ${reply.intent} · ${reply.confidence.toFixed(2)}`));
  if (reply.source === "fallback" && reply.suggestions.length) {
    const options = el("p", "suggestions", "Did you mean: ");
    for (const suggestion of reply.suggestions) {
      const button = el("button", "suggestion", suggestion.title);
      button.type = "button";
      button.addEventListener("click", () => {
        $("text").value = suggestion.title;
        $("form").requestSubmit();
      });
      options.append(button);
    }
    message.append(options);
  }
  chat.append(message);
  $("text").value = "";
}

async function generate(model, text) {
  const parameters = {
    max_new_tokens: Number($("tokens").value),
    temperature: Number($("temperature").value),
  };
  const response = await fetch(`/v1/models/${encodeURIComponent(model.name)}/generate`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ inputs: text, parameters, stream: true }),
  });
  if (!response.ok) return showError(await errorMessage(response));
  const box = el("p", "generated");
  box.append(el("span", "prompt", text));
  const output = el("span", "continuation");
  box.append(output);
  $("result").append(box);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    output.textContent += decoder.decode(value, { stream: true });
  }
  box.dataset.done = "true";
}

// A recommender: the user's history (titles) beside their recommendations, best first.
async function recommend(model, text) {
  const response = await fetch(`/v1/models/${encodeURIComponent(model.name)}/recommend`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ user: text.trim(), k: 10 }),
  });
  if (!response.ok) return showError(await errorMessage(response));
  const body = await response.json();
  const columns = el("div", "recommendations");
  const seen = el("section", "history");
  seen.append(el("h2", null, `History (${body.history.length})`));
  const seenList = el("ul");
  for (const item of body.history) seenList.append(el("li", null, item.title));
  seen.append(seenList);
  const picks = el("section", "picks");
  picks.append(el("h2", null, "Recommended"));
  const pickList = el("ol");
  for (const item of body.items) {
    const row = el("li", null, item.title);
    row.append(el("small", "muted", ` ${item.score.toFixed(2)}`));
    pickList.append(row);
  }
  picks.append(pickList);
  columns.append(seen, picks);
  $("result").append(columns);
}

async function run(event) {
  event.preventDefault();
  const model = current();
  const text = $("text").value;
  $("error").hidden = true;
  $("result").replaceChildren();
  if (!model) return showError("no model is loaded");
  if (!text.trim()) {
    return showError(model.kind === "recommend" ? "type a user id first" : "type some text first");
  }
  $("run").disabled = true;
  const actions = { generate, recommend, predict };
  const action = model.assistant ? ask : actions[model.kind] || predict;
  try {
    await action(model, text);
  } catch (err) {
    showError(String(err));
  } finally {
    $("run").disabled = false;
  }
}

$("model").addEventListener("change", showModelInfo);
$("form").addEventListener("submit", run);
loadModels().catch((err) => showError(`could not list the models: ${err}`));
