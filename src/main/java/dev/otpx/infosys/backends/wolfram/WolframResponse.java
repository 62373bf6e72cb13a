package dev.otpx.infosys.backends.wolfram;

import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathExpression;
import javax.xml.xpath.XPathExpressionException;
import javax.xml.xpath.XPathFactory;
import javax.xml.xpath.XPathFactoryConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.ErrorHandler;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

/**
 * Reads one WolframAlpha v2 {@code <queryresult>} (asked with {@code format=plaintext}) into what
 * the backend needs: the answer text, the fact that there is none, or what is wrong with the reply.
 * "None" is about the question (WolframAlpha did not understand it, or has no textual answer to
 * it); "wrong" is about the service, so only that may count against it.
 *
 * <p>The answer is the first non-blank {@code plaintext} of a subpod whose pod title contains
 * {@code Result} or {@code Definitions}, in document order. The parser is the JDK's, with DTDs,
 * external entities and XInclude off: a reply that declares a DOCTYPE is refused as unusable, so a
 * hostile or broken upstream cannot make us read files or fetch URLs (XXE). Parsing is cheap for
 * the few kilobytes WolframAlpha sends; the backend caps the body before it gets here. Thread-safe:
 * each thread keeps its own parser.
 */
final class WolframResponse {

  /** Pods whose plaintext is the answer, as Rumbl's backend picks them. */
  private static final String ANSWER_PLAINTEXT =
    "/queryresult/pod[contains(@title,'Result') or contains(@title,'Definitions')]/subpod/plaintext";

  private static final ThreadLocal<Parser> PARSER = ThreadLocal.withInitial(Parser::new);

  private WolframResponse() {
  }

  /** What a reply says; exactly one of the three. */
  sealed interface Outcome permits Answer, NoAnswer, Unusable {
  }

  /**
   * WolframAlpha answered.
   *
   * @param text the answer's plaintext, trimmed, never blank
   */
  record Answer(String text) implements Outcome {
    Answer {
      if (text == null || text.isBlank()) {
        throw new IllegalArgumentException("answer 'text' must be non-blank");
      }
    }
  }

  /**
   * WolframAlpha has no answer to this question: a normal outcome, not a fault. Either it did not
   * understand it ({@code success="false"} without {@code error}), or it sent no Result or
   * Definitions pod, or those pods carry no plaintext (an answer that is only a picture).
   *
   * @param detail which of these, with the titles of the pods it did send, for the debug log
   */
  record NoAnswer(String detail) implements Outcome {
    NoAnswer {
      Objects.requireNonNull(detail, "detail");
    }
  }

  /**
   * The reply cannot be used: not XML, malformed, not a {@code queryresult}, or
   * {@code error="true"}.
   *
   * @param problem what is wrong, for one WARN line
   */
  record Unusable(String problem) implements Outcome {
    Unusable {
      Objects.requireNonNull(problem, "problem");
    }
  }

  /**
   * Reads a reply body.
   *
   * @param body the HTTP body, as received
   * @return the outcome; never throws on bad input
   */
  static Outcome parse(Buffer body) {
    Objects.requireNonNull(body, "body");
    if (body.length() == 0) {
      return new Unusable("empty body");
    }
    Document document;
    Parser parser = PARSER.get();
    try {
      document = parser.read(body.getBytes());
    } catch (SAXException e) {
      return new Unusable("not well-formed XML: " + e.getMessage());
    } catch (IOException e) {
      return new Unusable("unreadable body: " + e);
    }
    Element root = document.getDocumentElement();
    if (!"queryresult".equals(root.getNodeName())) {
      return new Unusable("not a WolframAlpha queryresult but <" + root.getNodeName() + ">");
    }
    if ("true".equals(root.getAttribute("error"))) {
      return new Unusable("WolframAlpha error: " + errorMessage(root));
    }
    if ("false".equals(root.getAttribute("success"))) {
      return new NoAnswer("not understood (success=false)");
    }
    NodeList plaintexts;
    try {
      plaintexts = (NodeList) parser.answers.evaluate(document, XPathConstants.NODESET);
    } catch (XPathExpressionException e) {
      return new Unusable("cannot read the pods: " + e.getMessage());
    }
    for (int i = 0; i < plaintexts.getLength(); i++) {
      String text = plaintexts.item(i).getTextContent().strip();
      if (!text.isEmpty()) {
        return new Answer(text);
      }
    }
    if (plaintexts.getLength() > 0) {
      return new NoAnswer("the Result/Definitions pods carry no plaintext");
    }
    return new NoAnswer("no Result or Definitions pod, only " + podTitles(root));
  }

  private static String errorMessage(Element root) {
    NodeList messages = root.getElementsByTagName("msg");
    String message = messages.getLength() == 0 ? "" : messages.item(0).getTextContent().strip();
    return message.isEmpty() ? "no message" : message;
  }

  private static List<String> podTitles(Element root) {
    NodeList pods = root.getElementsByTagName("pod");
    List<String> titles = new ArrayList<>(pods.getLength());
    for (int i = 0; i < pods.getLength(); i++) {
      titles.add(((Element) pods.item(i)).getAttribute("title"));
    }
    return titles;
  }

  /** One thread's XXE-safe document builder and compiled XPath (neither is thread-safe). */
  private static final class Parser {

    /** Fails on the first error instead of printing "[Fatal Error]" to stderr. */
    private static final ErrorHandler STRICT = new ErrorHandler() {
      @Override
      public void warning(SAXParseException e) {
      }

      @Override
      public void error(SAXParseException e) throws SAXException {
        throw e;
      }

      @Override
      public void fatalError(SAXParseException e) throws SAXException {
        throw e;
      }
    };

    private final DocumentBuilder builder;
    private final XPathExpression answers;

    Parser() {
      try {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        factory.setFeature("http://xml.org/sax/features/external-general-entities", false);
        factory.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
        factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
        factory.setXIncludeAware(false);
        factory.setExpandEntityReferences(false);
        factory.setNamespaceAware(false);
        builder = factory.newDocumentBuilder();
        builder.setErrorHandler(STRICT);
        XPathFactory xpaths = XPathFactory.newInstance();
        xpaths.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        XPath xpath = xpaths.newXPath();
        answers = xpath.compile(ANSWER_PLAINTEXT);
      } catch (ParserConfigurationException | XPathFactoryConfigurationException | XPathExpressionException e) {
        // The JDK's own parser supports all of these; anything else is a broken runtime.
        throw new IllegalStateException("cannot configure a safe XML parser: " + e, e);
      }
    }

    Document read(byte[] bytes) throws SAXException, IOException {
      builder.reset();
      builder.setErrorHandler(STRICT);
      // From bytes, so that the XML declaration's encoding is honoured.
      return builder.parse(new InputSource(new ByteArrayInputStream(bytes)));
    }
  }
}
