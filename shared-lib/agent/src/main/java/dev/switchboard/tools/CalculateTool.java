package dev.switchboard.tools;

import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Set;
import net.objecthunter.exp4j.ExpressionBuilder;

/** {@code calculate}: evaluates an arithmetic expression with exp4j (no variables, bounded length). */
final class CalculateTool implements AgentTool {
    static final String NAME = "calculate";
    static final int MAX_EXPRESSION_CHARS = 256;

    private final ToolSpecification spec = ToolSpecification.builder()
            .name(NAME)
            .description("Evaluates an arithmetic expression exactly as a calculator would. Supports + - * / ^ %,"
                    + " parentheses, pi, e and functions such as sqrt, abs, log, sin, cos, floor, ceil. Use it instead"
                    + " of doing arithmetic yourself.")
            .parameters(JsonObjectSchema.builder()
                    .addStringProperty("expression", "the expression, e.g. (17.5 * 3) / 4 + sqrt(16)")
                    .required("expression")
                    .additionalProperties(false)
                    .build())
            .build();

    @Override
    public ToolSpecification specification() {
        return spec;
    }

    @Override
    public String origin() {
        return BuiltinTools.ORIGIN;
    }

    @Override
    public String execute(ToolContext context, String argumentsJson) {
        String expression = ToolArguments.parse(argumentsJson, Set.of("expression"))
                .requiredString("expression", MAX_EXPRESSION_CHARS).trim();
        double value;
        try {
            value = new ExpressionBuilder(expression).build().evaluate();
        } catch (RuntimeException e) { // exp4j reports syntax errors, unknown names and division by zero this way
            throw new ToolException("cannot evaluate '" + expression + "': " + e.getMessage());
        }
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            throw new ToolException("'" + expression + "' has no finite result");
        }
        return ToolArguments.object().put("expression", expression).put("result", format(value)).toString();
    }

    /** Whole numbers without a fraction; others to 15 significant digits, so 0.1 + 0.2 reads 0.3. */
    static String format(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return new BigDecimal(value).round(new MathContext(15)).stripTrailingZeros().toString();
    }
}
