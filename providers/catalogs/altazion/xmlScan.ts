// A single pass over an XML text from the host that finds the start tags of one element name and
// reads their attributes, in time linear in the text's length (a hostile file of 625 KiB once took
// 18 s with backtracking regular expressions, blocking every other server's run). It reads only what
// the update service's two files need (elements with name="value" attributes); comments, processing
// instructions, CDATA and text are stepped over; a DOCTYPE (which could declare entities) and a
// tag that is not closed are refused, never guessed at. Each position is looked at a bounded number
// of times: every search starts where the last one ended, and the attribute patterns' character
// classes are disjoint, so a failed match never backtracks over more than one tag.

/** The attributes of one start tag, values decoded. */
export type Attributes = Map<string, string>;

const NAME = /[^\s/>"'=<]+/y;
const ATTRIBUTE = /\s+([^\s/>"'=<]+)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/y;
const TAG_END = /\s*\/?>/y;

const ENTITY = /&(?:#x([0-9A-Fa-f]{1,6})|#([0-9]{1,7})|(lt|gt|amp|quot|apos));/g;
const NAMED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

/** An attribute's value as XML reads it: the five named entities and character references decoded. */
function decode(value: string): string {
  return value.replace(ENTITY, (whole, hex: string | undefined, dec: string | undefined, named: string | undefined) => {
    if (named) return NAMED[named];
    const code = hex ? parseInt(hex, 16) : Number(dec);
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

const lineAt = (text: string, at: number) => {
  let n = 1;
  for (let i = text.indexOf("\n"); i >= 0 && i < at; i = text.indexOf("\n", i + 1)) n++;
  return n;
};

/** Every start tag named `element` (exactly, case included) with its attributes; a problem when the text is not XML this reads. */
export function startTags(xml: string, element: string): { tags: Attributes[] } | { problem: string } {
  const tags: Attributes[] = [];
  const refuse = (at: number, why: string) => ({ problem: `${why} (line ${lineAt(xml, at)})` });
  let i = 0;
  for (;;) {
    const lt = xml.indexOf("<", i);
    if (lt < 0) return { tags };
    if (xml.startsWith("<!--", lt) || xml.startsWith("<![CDATA[", lt) || xml.startsWith("<?", lt)) {
      const [close, what] = xml.startsWith("<!--", lt)
        ? ["-->", "a comment"]
        : xml.startsWith("<?", lt)
          ? ["?>", "a processing instruction"]
          : ["]]>", "a CDATA section"];
      const end = xml.indexOf(close, lt + 2);
      if (end < 0) return refuse(lt, `${what} is never closed`);
      i = end + close.length;
      continue;
    }
    if (xml.startsWith("<!", lt)) return refuse(lt, "it holds a declaration (<!DOCTYPE or <!ENTITY), which upchain never reads");
    if (xml.startsWith("</", lt)) {
      const gt = xml.indexOf(">", lt);
      if (gt < 0) return refuse(lt, "an end tag is never closed");
      i = gt + 1;
      continue;
    }
    NAME.lastIndex = lt + 1;
    const name = NAME.exec(xml)?.[0];
    if (name === undefined) return refuse(lt, "a '<' starts no tag");
    let at = NAME.lastIndex;
    const attributes: Attributes = new Map();
    for (;;) {
      ATTRIBUTE.lastIndex = at;
      const a = ATTRIBUTE.exec(xml);
      if (!a) break;
      if (!attributes.has(a[1])) attributes.set(a[1], decode(a[2] ?? a[3]));
      at = ATTRIBUTE.lastIndex;
    }
    TAG_END.lastIndex = at;
    if (!TAG_END.test(xml))
      return refuse(lt, `the tag <${name.slice(0, 40).replace(/[^\x21-\x7e]/g, "?")}> is not closed, or an attribute of it is not name="value"`);
    i = TAG_END.lastIndex;
    if (name === element) tags.push(attributes);
  }
}
