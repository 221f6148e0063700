// Checks Adaptive Cards with Microsoft's own library, the one Teams' web client is built on.
//
//   node validate.mjs cards.json  ->  prints {"<name>": {"errors": [...], "html": [...]}}
//
// cards.json maps a name to a card. A card's errors are what the library logs while parsing
// it as version 1.5 (unknown elements, bad values, a version it does not know) and what
// validateProperties() finds. "html" is each TextBlock's and fact's text as markdown-it (the
// markdown engine the library uses when it is present) renders it, so the caller can see
// what a reader would. No DOM is needed: parsing and validation never touch one.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
// The package's lib/ is ES modules written for bundlers (imports without extensions), which
// node cannot load; dist/ is the same library as one bundle.
const AC = require("adaptivecards/dist/adaptivecards.js");
const markdownit = require("markdown-it");

const markdown = markdownit({ linkify: true });
const eventName = (n) => AC.ValidationEvent[n] ?? String(n);

function texts(node, found = []) {
  if (Array.isArray(node)) node.forEach((child) => texts(child, found));
  else if (node && typeof node === "object") {
    if (node.type === "TextBlock") found.push(String(node.text ?? ""));
    if (node.type === "FactSet") (node.facts ?? []).forEach((f) => found.push(String(f.title), String(f.value)));
    Object.values(node).forEach((child) => texts(child, found));
  }
  return found;
}

function check(json) {
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  const card = new AC.AdaptiveCard();
  card.parse(json, context);
  const errors = [];
  for (let i = 0; i < context.eventCount; i++) {
    const event = context.getEventAt(i);
    errors.push(`parse ${eventName(event.event)}: ${event.message}`);
  }
  for (const event of card.validateProperties().validationEvents) {
    errors.push(`validate ${eventName(event.event)}: ${event.message}`);
  }
  return { errors, html: texts(json.body).map((text) => markdown.render(text)) };
}

const cards = JSON.parse(readFileSync(process.argv[2], "utf8"));
const report = {};
for (const [name, json] of Object.entries(cards)) report[name] = check(json);
process.stdout.write(JSON.stringify(report));
