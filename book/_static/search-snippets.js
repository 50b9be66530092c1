/* Search result snippets show math as readable text ("σ(z) = 1/(1 + e^(-z))"), not as TeX source
   ("\(\sigma(z) = \frac{1}{1 + e^{-z}}\)"). Sphinx builds each snippet from the text of the result's
   page, where math is still TeX waiting for MathJax; this wraps Sphinx's Search.htmlToText so that the
   page's math elements are turned into plain text first. Loaded on the search page only. */
(function () {
  "use strict";
  const SYMBOLS = {
    alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ε", varepsilon: "ε", zeta: "ζ", eta: "η",
    theta: "θ", kappa: "κ", lambda: "λ", mu: "μ", nu: "ν", xi: "ξ", pi: "π", rho: "ρ", sigma: "σ",
    tau: "τ", phi: "φ", varphi: "φ", chi: "χ", psi: "ψ", omega: "ω", Gamma: "Γ", Delta: "Δ",
    Theta: "Θ", Lambda: "Λ", Sigma: "Σ", Phi: "Φ", Omega: "Ω", partial: "∂", nabla: "∇", sum: "Σ",
    prod: "Π", int: "∫", cdot: "·", cdots: "⋯", ldots: "…", dots: "…", times: "×", div: "÷", pm: "±",
    le: "≤", leq: "≤", ge: "≥", geq: "≥", ne: "≠", neq: "≠", approx: "≈", sim: "∼", equiv: "≡",
    to: "→", rightarrow: "→", leftarrow: "←", Rightarrow: "⇒", mapsto: "↦", in: "∈", notin: "∉",
    subset: "⊂", infty: "∞", top: "ᵀ", odot: "⊙", otimes: "⊗", circ: "∘", sqrt: "√", mid: "|",
    lVert: "‖", rVert: "‖", Vert: "‖", lvert: "|", rvert: "|", langle: "⟨", rangle: "⟩",
    quad: " ", qquad: " ", ",": " ", ";": " ", "!": "", " ": " ",
  };

  const FORMATTING = /\\(?:mathbf|mathrm|mathit|mathsf|mathtt|mathcal|mathbb|boldsymbol|bm|operatorname\*?|textrm|textbf|textit|text|hat|bar|tilde|vec|overline|underline|displaystyle)(?![A-Za-z])\s*/g;

  /** "x" stays "x"; "1 + e" becomes "(1 + e)", so that a/b and x^y keep their meaning. */
  function group(text) {
    const inner = text.trim();
    return /^(?:[\w.]+|\\[A-Za-z]+)$/.test(inner) ? inner : `(${inner})`;
  }

  /** A readable plain-text version of a TeX formula (good enough for a search snippet). */
  function texToText(tex) {
    let text = tex.trim()
      .replace(/^\\\(|\\\)$/g, "").replace(/^\\\[|\\\]$/g, "").replace(/^\$\$|\$\$$/g, "")
      .replace(/\\(?:begin|end)\{[a-z*]+\}/g, " ")
      .replace(/\\(?:left|right|bigg|Bigg|big|Big)[lr]?(?![A-Za-z])/g, "")
      .replace(/\\\\|&/g, " ")
      .replace(FORMATTING, "");  // \mathbf{x} -> {x}: the braces keep "\top{w}" apart
    for (let previous = null; previous !== text;) {  // innermost groups first
      previous = text;
      text = text
        .replace(/\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}/g, (m, a, b) => `${group(a)}/${group(b)}`)
        .replace(/\\sqrt\s*\{([^{}]*)\}/g, (m, a) => `√${group(a)}`)
        .replace(/([\^_])\{([^{}]*)\}/g, (m, op, a) => op + group(a));
    }
    text = text  // commands before braces go (so "\top{w}" reads "ᵀw"); literal \{ and \} survive
      .replace(/\\([{}])/g, (m, brace) => (brace === "{" ? "\u0001" : "\u0002"))
      .replace(/\\([A-Za-z]+|.)/g, (m, name) => (name in SYMBOLS ? SYMBOLS[name] : name))
      .replace(/[{}]/g, "")
      .replace(/\u0001/g, "{").replace(/\u0002/g, "}")
      .replace(/\^ᵀ/g, "ᵀ");
    return text.replace(/\s+/g, " ").trim();
  }

  function patch() {
    if (typeof Search === "undefined" || Search._courseMathAsText) return;
    const htmlToText = Search.htmlToText;
    Search.htmlToText = (htmlString, anchor) => {
      const doc = new DOMParser().parseFromString(htmlString, "text/html");
      doc.querySelectorAll(".math").forEach((el) => { el.textContent = " " + texToText(el.textContent) + " "; });
      return htmlToText(doc.documentElement.outerHTML, anchor);
    };
    Search._courseMathAsText = true;
  }

  window.courseTexToText = texToText;  // for the site test
  patch();
  document.addEventListener("DOMContentLoaded", patch);
})();
