// description_allow_html is not used by our pages: show such descriptions as text (no HTML at all).
export default function sanitize(source) {
  const div = document.createElement("div");
  div.textContent = String(source);
  return div.innerHTML;
}
