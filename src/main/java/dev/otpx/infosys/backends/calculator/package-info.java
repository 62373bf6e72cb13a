/**
 * The calculator backend: an offline InfoSys source that finds the arithmetic in a question ("what
 * is 2 + 2") and evaluates it with exp4j. It scores 90, just below WolframAlpha, and answers nothing
 * that is not wholly a calculation.
 *
 * <p>Usage: {@code "backend": "dev.otpx.infosys.backends.calculator.CalculatorBackend"} in a child
 * of the {@code infosys} subtree of {@code conf/config.json}.
 */
package dev.otpx.infosys.backends.calculator;
