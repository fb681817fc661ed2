import { render } from "preact";
import "./styles.css";

function App() {
  return <h1>Twelve</h1>;
}

const root = document.getElementById("app");
if (root) render(<App />, root);
