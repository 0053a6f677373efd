// Face pictures drawn as inline SVG: the same on every tablet, with no emoji font or image file to load.

const COLOURS = { 5: "#146c2e", 4: "#3d7d1c", 3: "#8a5a00", 2: "#b4410a", 1: "#a4161a" };
const MOUTHS = {
  5: "M28 60 Q50 86 72 60",
  4: "M31 63 Q50 76 69 63",
  3: "M32 67 L68 67",
  2: "M31 72 Q50 60 69 72",
  1: "M28 76 Q50 54 72 76",
};

export function face(level) {
  const colour = COLOURS[level] || "#333";
  const mouth = MOUTHS[level] || MOUTHS[3];
  return (
    `<svg class="face-icon" viewBox="0 0 100 100" aria-hidden="true" focusable="false">` +
    `<circle cx="50" cy="50" r="46" fill="${colour}"/>` +
    `<circle cx="35" cy="40" r="6.5" fill="#fff"/><circle cx="65" cy="40" r="6.5" fill="#fff"/>` +
    `<path d="${mouth}" stroke="#fff" stroke-width="7" stroke-linecap="round" fill="none"/></svg>`
  );
}
