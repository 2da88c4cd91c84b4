package redirect

import (
	"sort"
	"strings"
)

// HeaderText is the wording of the built-in Mobile Header in one language.
type HeaderText struct {
	// Text is the bar's text.
	Text string
	// Button is the accessible name of the switch control.
	Button string
}

// headerTexts is the one table of Mobile Header texts, by ISO 639-1
// language (docs/protocol/mobile-redirect.md#built-in-mobile-header).
var headerTexts = map[string]HeaderText{
	"de": {Text: DefaultHeaderText, Button: "Zur mobilen Webseite wechseln"},
	"en": {Text: "Switch to our mobile website", Button: "Open the mobile website"},
	"es": {Text: "Activar la web móvil", Button: "Ir a la web móvil"},
	"fr": {Text: "Activer le site mobile", Button: "Passer au site mobile"},
	"it": {Text: "Attiva il sito mobile", Button: "Passa al sito mobile"},
	"nl": {Text: "Mobiele website activeren", Button: "Naar de mobiele website"},
}

// HeaderTextFor returns the Mobile Header texts of a language ("en",
// "de-AT", ...); ok is false for a language the table lacks.
func HeaderTextFor(lang string) (t HeaderText, ok bool) {
	t, ok = headerTexts[baseLanguage(lang)]
	return t, ok
}

// HeaderLanguages lists the languages of the Mobile Header text table.
func HeaderLanguages() []string {
	out := make([]string, 0, len(headerTexts))
	for l := range headerTexts {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// baseLanguage is the primary subtag of a language tag, lower case.
func baseLanguage(lang string) string {
	lang = strings.ToLower(strings.TrimSpace(lang))
	if i := strings.IndexAny(lang, "-_"); i >= 0 {
		lang = lang[:i]
	}
	return lang
}

// The switch control as inline SVG images (no outside host): a grey
// switch (off) and a green one (on).
const (
	buttonOffSVG = `data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='72' height='40' viewBox='0 0 72 40'%3E%3Crect x='1' y='1' width='70' height='38' rx='19' fill='%23d9d9d9' stroke='%23adadad' stroke-width='2'/%3E%3Ccircle cx='20' cy='20' r='14' fill='%23fff' stroke='%23adadad' stroke-width='2'/%3E%3C/svg%3E`
	buttonOnSVG  = `data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='72' height='40' viewBox='0 0 72 40'%3E%3Crect x='1' y='1' width='70' height='38' rx='19' fill='%2334a853' stroke='%23268a40' stroke-width='2'/%3E%3Ccircle cx='52' cy='20' r='14' fill='%23fff'/%3E%3C/svg%3E`
)

// AppendMobileHeader appends the built-in Mobile Header to dst: a bar with
// the header text and a switch control, plus a small script that moves the
// bar into Config.HeaderParent and, on a click, deletes the opt-out cookie
// and reloads the page without the shopgate_redirect parameter so that the
// server redirects again. It is meant to go right after <body...>. The bar
// fits any width from 320 px up with the control always visible, and uses
// no outside image (docs/protocol/mobile-redirect.md#built-in-mobile-header).
func (r *Redirector) AppendMobileHeader(dst []byte) []byte {
	return append(dst, r.header...)
}

// buildHeader renders the header once; it does not depend on the page.
// followLang lets the script take the texts of the page's <html lang>.
func (r *Redirector) buildHeader(followLang bool) []byte {
	text := r.cfg.HeaderText
	button := text
	if t, ok := HeaderTextFor(r.cfg.HeaderLanguage); ok {
		button = t.Button
	} else if followLang {
		button = headerTexts["de"].Button
	}
	var b []byte
	if tmpl := r.cfg.HeaderTemplate; tmpl != "" {
		esc := string(appendAttr(nil, text))
		b = append(b, strings.ReplaceAll(tmpl, "{{text}}", esc)...)
		b = append(b, '\n')
	} else {
		b = append(b, `<div id="shopgate_mobile_header" style="box-sizing:border-box;display:flex;align-items:center;justify-content:space-between;gap:12px;width:calc(100% - 16px);max-width:560px;min-width:0;margin:12px auto 24px auto;padding:10px 12px 10px 16px;background:#fff;border:1px solid #ADADAD;border-radius:8px;color:#222;font-family:&#34;Helvetica Neue&#34;,Helvetica,Arial,sans-serif;font-weight:bold;font-size:clamp(16px,4.8vw,26px);line-height:1.25;text-align:left;position:relative;clear:both"><span id="shopgate_mobile_header_text" style="flex:1 1 auto;min-width:0;overflow-wrap:anywhere">`...)
		b = appendAttr(b, text) // as HTML text
		b = append(b, `</span><img id="shopgate_mobile_button" class="sg_mobile_button_off" role="button" tabindex="0" width="72" height="40" alt="`...)
		b = appendAttr(b, button)
		b = append(b, `" title="`...)
		b = appendAttr(b, button)
		b = append(b, `" src="`...)
		b = append(b, buttonOffSVG...)
		b = append(b, `" style="flex:0 0 auto;display:block;width:72px;height:40px;max-width:none;border:0;margin:0;padding:0;background:none;cursor:pointer"></div>
`...)
	}
	b = append(b, `<script type="text/javascript">
(function () {
  var bar = document.getElementById("shopgate_mobile_header");
  var img = document.getElementById("shopgate_mobile_button");
  if (!bar || !img) { return; }
  var parentSelector = `...)
	b = appendScriptValue(b, r.cfg.HeaderParent)
	b = append(b, `, prepend = `...)
	b = appendBool(b, !r.cfg.HeaderAppend)
	b = append(b, `;
  var imageOff = `...)
	b = appendScriptValue(b, buttonOffSVG)
	b = append(b, `, imageOn = `...)
	b = appendScriptValue(b, buttonOnSVG)
	b = append(b, ";\n"...)
	if followLang {
		b = append(b, `  var texts = {`...)
		for i, l := range HeaderLanguages() {
			if i > 0 {
				b = append(b, ',')
			}
			t := headerTexts[l]
			b = appendScriptValue(b, l)
			b = append(b, `:[`...)
			b = appendScriptValue(b, t.Text)
			b = append(b, ',')
			b = appendScriptValue(b, t.Button)
			b = append(b, ']')
		}
		b = append(b, `};
  var lang = ((document.documentElement && document.documentElement.lang) || "").toLowerCase().split(/[-_]/)[0];
  var label = document.getElementById("shopgate_mobile_header_text");
  if (texts[lang]) {
    if (label) { label.textContent = texts[lang][0]; }
    img.alt = img.title = texts[lang][1];
  }
`...)
	}
	b = append(b, `  function place() {
    var parent = document.querySelector(parentSelector);
    if (!parent) { return; }
    if (prepend) {
      if (parent.firstChild !== bar) { parent.insertBefore(bar, parent.firstChild); }
    } else {
      parent.appendChild(bar);
    }
  }
  if (parentSelector !== "body" || !prepend) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", place);
    } else {
      place();
    }
  }
  img.onclick = function () {
    if (img.className !== "sg_mobile_button_off") {
      img.className = "sg_mobile_button_off";
      if (img.tagName === "IMG") { img.src = imageOff; }
      return;
    }
    img.className = "sg_mobile_button_on";
    if (img.tagName === "IMG") { img.src = imageOn; }
    document.cookie = "`...)
	b = append(b, CookieName...)
	b = append(b, `=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/";
    var kept = [], parts = window.location.search.replace(/^\?/, "").split("&");
    for (var i = 0; i < parts.length; i++) {
      if (parts[i] !== "" && !/^`...)
	b = append(b, ParamName...)
	b = append(b, `(=|$)/.test(parts[i])) { kept.push(parts[i]); }
    }
    var target = window.location.pathname + (kept.length ? "?" + kept.join("&") : "") + window.location.hash;
    setTimeout(function () { window.location.replace(target); }, 500);
  };
  img.onkeydown = function (e) {
    if (e.key === "Enter" || e.key === " ") { e.preventDefault(); img.onclick(); }
  };
})();
</script>
`...)
	return b
}

// appendScriptValue appends s as a double-quoted JavaScript string literal
// safe inside a script element.
func appendScriptValue(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = appendJSString(dst, s)
	return append(dst, '"')
}
